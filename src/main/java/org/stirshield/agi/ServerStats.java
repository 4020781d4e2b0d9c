package org.stirshield.agi;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the FastAGI server (for logs, tests and metrics). */
final class ServerStats {
    final LongAdder accepted = new LongAdder();
    final LongAdder refusedNotAllowed = new LongAdder();
    final LongAdder refusedBusy = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder disconnected = new LongAdder();
    final LongAdder readTimeouts = new LongAdder();
    final LongAdder unknownScript = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder uncaught = new LongAdder();
    final LongAdder evicted = new LongAdder();
    final LongAdder silent = new LongAdder();
    final LongAdder unverifiable = new LongAdder();
    final LongAdder commandErrors = new LongAdder();

    void disconnected(boolean timedOut) {
        (timedOut ? readTimeouts : disconnected).increment();
    }
}
