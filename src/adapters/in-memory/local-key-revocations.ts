import { KeyRevocations } from '../../application/ports/key-revocations';

/** For a store no other process can write to: only this process's own revocations count. */
export class LocalKeyRevocations implements KeyRevocations {
  private counter = 0;

  generation(): number {
    return this.counter;
  }

  revokedHere(): void {
    this.counter++;
  }
}
