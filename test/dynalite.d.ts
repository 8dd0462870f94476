/** dynalite ships no types; the tests only use `dynalite(options).listen(...)` and `.close(...)`. */
declare module "dynalite";
