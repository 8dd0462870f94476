"use strict";

/**
 * Every mq-sentinel function has its own role (serverless-iam-roles-per-function), yet the framework
 * still builds its shared default role, and grants it the on-failure queues. A role nothing uses is
 * still a grant: this removes it from the template when no resource refers to it.
 */
class DropUnusedDefaultRole {
  constructor(serverless) {
    this.hooks = {
      "before:package:finalize": () => {
        const resources = serverless.service.provider.compiledCloudFormationTemplate.Resources;
        const name = "IamRoleLambdaExecution";
        if (!resources[name]) return;
        const others = Object.entries(resources).filter(([key]) => key !== name);
        if (JSON.stringify(others).includes(`"${name}"`)) return;
        delete resources[name];
        serverless.cli.log(`Removed the unused default role ${name}`);
      },
    };
  }
}

module.exports = DropUnusedDefaultRole;
