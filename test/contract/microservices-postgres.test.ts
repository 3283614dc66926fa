import { defineContractSuite } from './api.contract.ts';

defineContractSuite('microservices on PostgreSQL', { db: 'postgres', mode: 'microservices' });
