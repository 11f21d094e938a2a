// Imported first by the runner, before any handler module loads: the handlers' JSON log
// reads its level once, and a JSON line per API request would bury the report (and cost time in the
// measured path). Warnings and errors still show. The SDK's notice about future Node versions is
// noise here too.
process.env['POWERTOOLS_LOG_LEVEL'] ??= 'WARN';
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export {};
