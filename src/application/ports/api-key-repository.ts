import { Role } from '../../domain/actor';
import { ApiKey } from '../../domain/api-key';

export interface NewApiKey {
  name: string;
  role: Role;
  keyHash: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface ApiKeyRepository {
  /** Stores a key by the hash of its secret (the secret itself is never stored). */
  create(key: NewApiKey): Promise<ApiKey>;
  /** The key whose secret hashes to `keyHash` (an indexed lookup), revoked and expired ones included; or null. */
  findByHash(keyHash: string): Promise<ApiKey | null>;
  /** The key, or null. */
  getById(id: number): Promise<ApiKey | null>;
  /** Every key, oldest first. */
  list(): Promise<ApiKey[]>;
  /** How many admin keys are active at `now`, locking them against concurrent revocation until the transaction ends. */
  countActiveAdminsForUpdate(now: number): Promise<number>;
  /** Marks the key revoked at `at` unless it already is. */
  revoke(id: number, at: number): Promise<void>;
  /** Records use, at most once a minute per key. */
  touch(id: number, at: number): Promise<void>;
  /**
   * How many keys exist at all. Inside a unit of work it holds off every other caller of this method until the
   * transaction ends, so that instances starting together on an empty store make exactly one first key.
   */
  countForUpdate(): Promise<number>;
}
