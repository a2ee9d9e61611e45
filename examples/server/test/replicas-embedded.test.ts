import { runReplicaSuite } from './support/replica-suite.js';

runReplicaSuite('embedded');
