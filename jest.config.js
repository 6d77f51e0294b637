/** Every test file of the monorepo; each gets its own schema, subject prefix and key prefix (packages/testkit). */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/test-e2e'],
  testMatch: ['**/test/**/*.test.ts', '**/src/**/*.test.ts', '<rootDir>/test-e2e/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/services/web/'],
  // jose, uuid and the OpenAPI validator ship ESM only: let swc turn them into CommonJS too.
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/)?(jose[@/]|uuid[@/]|@apidevtools[+/]))'],
  testTimeout: 60000,
  maxWorkers: 2,
};
