export { startMoto, freePort, motoCredentials, type MotoServer, type StartMotoOptions } from './moto-server.js';
