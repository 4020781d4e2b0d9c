package org.stirshield.agi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server thread of the FastAGI server and what it is doing now, as the {@link Sweeper} and the
 * eviction of idle connections see it. The thread accepts a connection itself and serves it to the end
 * (no hand-off to another thread per call), then accepts the next.
 */
final class Worker {
    /** The read buffer, reused from session to session. */
    final byte[] buffer = new byte[8192];
    /** The session in progress, or null while accepting. */
    volatile Session session;
    /** The call being screened, or null (the watchdog looks at it). */
    volatile GuardedScreener.Watch watch;
    Thread thread;

    /** One FastAGI connection. */
    static final class Session {
        /** Reading the environment block: may be evicted when the server runs short of slots. */
        static final int WAITING = 0;
        /** The environment block is complete: a call, never evicted. */
        static final int CALL = 1;
        /** Closed by the server to free its slot before it sent a complete environment block. */
        static final int EVICTED = 2;

        final Socket socket;
        final InetAddress peer;
        final long acceptedNanos;
        final AtomicInteger phase = new AtomicInteger(WAITING);

        Session(Socket socket, long acceptedNanos) {
            this.socket = socket;
            this.peer = socket.getInetAddress();
            this.acceptedNanos = acceptedNanos;
        }

        /** Moves a waiting session to {@link #CALL}; false when it was evicted meanwhile. */
        boolean becomeCall() {
            return phase.compareAndSet(WAITING, CALL);
        }

        /** Evicts a waiting session (closes its connection); false when it is a call by now. */
        boolean evict() {
            if (!phase.compareAndSet(WAITING, EVICTED)) {
                return false;
            }
            close();
            return true;
        }

        boolean evicted() {
            return phase.get() == EVICTED;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
