import { defineContractSuite } from './api.contract.ts';

defineContractSuite('microservices on SQLite', { db: 'sqlite', mode: 'microservices' });
