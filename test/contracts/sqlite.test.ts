import { describeDatabaseConstraints } from './database-constraints.contract';
import { kyselyHarness } from './harness';
import { describePortContracts } from './suites';

describePortContracts('sqlite', () => kyselyHarness('sqlite'));
describeDatabaseConstraints('sqlite', () => kyselyHarness('sqlite'));
