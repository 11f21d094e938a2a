// The error of a bad configuration or function environment, wherever it is read (CDK app, local
// stack, Lambda cold start): its message names every bad key, so the fix is obvious.
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
