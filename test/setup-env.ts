// Tests run on Node 20; the SDK's "Node 22 from 2027" notice is noise here (the Lambda runtime is Node 22).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
