package org.stirshield.agi;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The deadline watchdog of every call: ONE thread that looks at each server thread's {@link Worker#watch}
 * every {@link #TICK_MILLIS} ms and lets {@link GuardedScreener#expire} answer the calls whose time is up.
 * Arming the watchdog for a call is a field write on the call's own thread; nothing is scheduled,
 * cancelled or woken per call. The answer comes at most one tick after deadline + margin.
 */
final class Sweeper implements Runnable {
    static final long TICK_MILLIS = 10;

    private final List<Worker> workers;
    private final GuardedScreener screener;
    private volatile boolean stopped;
    private final Thread thread;

    Sweeper(List<Worker> workers, GuardedScreener screener) {
        this.workers = workers;
        this.screener = screener;
        this.thread = Thread.ofPlatform().name("agi-watchdog").daemon().unstarted(this);
    }

    void start() {
        thread.start();
    }

    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    @Override
    public void run() {
        long tick = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
        while (!stopped) {
            LockSupport.parkNanos(tick);
            long now = System.nanoTime();
            for (Worker w : workers) {
                GuardedScreener.Watch watch = w.watch;
                if (watch != null && now - watch.firesAt >= 0) {
                    try {
                        screener.expire(watch);
                    } catch (RuntimeException | OutOfMemoryError e) {
                        // the next tick tries again; never let the watchdog die
                    }
                }
            }
        }
    }
}
