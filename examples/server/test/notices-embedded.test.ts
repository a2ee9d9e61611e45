import { runNoticeSuite } from './support/notice-suite.js';

runNoticeSuite('embedded');
