import { runEndpointSuite } from './support/endpoint-suite.js';

runEndpointSuite('embedded');
