/** Jest 30 with @swc/jest (DESIGN.md §5); type-checking is `tsc --noEmit`, separately. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j|mj)sx?$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  // @middy/core 6 is ESM-only: let swc transform it for Jest's CommonJS loader.
  transformIgnorePatterns: ["/node_modules/(?!@middy/)"],
  setupFiles: ["<rootDir>/test/setup-env.ts"],
  testTimeout: 30000,
};
