export { startMoto, freePort, motoCredentials, type MotoServer, type StartMotoOptions } from './moto-server.js';
export { sefInstancesLeft, stopMotoListingLeft } from './moto-leaks.js';
export { startImdsMock, type ImdsMock, type ImdsMockAction, type ImdsMockOptions, type ImdsMockRequest } from './imds-mock.js';
