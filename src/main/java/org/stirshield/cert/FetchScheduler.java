package org.stirshield.cert;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admission of x5u fetches, so that a flood of fetches on one slow host cannot starve the others:
 * <ul>
 *   <li>at most {@code maxConcurrent} fetches run at once, and at most {@code maxPerHost} for one host name;</li>
 *   <li>{@code reserved} of the slots are only for {@link FetchPriority#PROTECTED_CALLER} fetches, so ordinary
 *       fetches (whatever their number of hosts) never take the last slots;</li>
 *   <li>waiting fetches are served fairly: protected callers' first, then round-robin over hosts (one fetch per
 *       host in turn), first come first served within a host;</li>
 *   <li>at most {@code maxWaiting} fetches wait; a fetch that finds the queue full, or waits past its own
 *       deadline, is refused (the caller reports local congestion, never the server's fault).</li>
 * </ul>
 * A waiting fetch whose URL a protected caller also needs is promoted ({@link #promote}). Thread-safe.
 */
final class FetchScheduler {
    private final int maxConcurrent;
    private final int maxPerHost;
    private final int reserved;
    private final int maxWaiting;
    private final ReentrantLock lock = new ReentrantLock();
    private int running;
    private int waiting;
    private final Map<String, Integer> runningPerHost = new HashMap<>();
    /** Hosts with waiting fetches of each kind, in round-robin order (served hosts move to the back). */
    private final LinkedHashMap<String, ArrayDeque<Waiter>> protectedQueue = new LinkedHashMap<>();
    private final LinkedHashMap<String, ArrayDeque<Waiter>> ordinaryQueue = new LinkedHashMap<>();
    private final Map<String, Waiter> waitingByKey = new HashMap<>();

    /** A slot held by one running fetch; release it exactly once when the fetch ends. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    private final class Waiter {
        final String host;
        final String key;
        FetchPriority priority;
        final Condition granted = lock.newCondition();
        boolean admitted;

        Waiter(String host, String key, FetchPriority priority) {
            this.host = host;
            this.key = key;
            this.priority = priority;
        }
    }

    FetchScheduler(int maxConcurrent, int maxPerHost, int reserved, int maxWaiting) {
        if (maxConcurrent < 1 || maxPerHost < 1 || reserved < 0 || reserved >= maxConcurrent || maxWaiting < 0) {
            throw new IllegalArgumentException("fetch slots: " + maxConcurrent + " in all, " + maxPerHost + " per host, "
                    + reserved + " reserved");
        }
        this.maxConcurrent = maxConcurrent;
        this.maxPerHost = maxPerHost;
        this.reserved = reserved;
        this.maxWaiting = maxWaiting;
    }

    /**
     * A slot for a fetch of {@code key} (the URL) from {@code host}, waiting until {@code deadline} at most;
     * null when none could be had (queue full, deadline passed, interrupted).
     */
    Slot acquire(String host, String key, FetchPriority priority, Deadline deadline) {
        lock.lock();
        try {
            // first come, first served within a host and priority: run now only if nothing of the host waits ahead
            boolean ahead = protectedQueue.containsKey(host)
                    || (priority == FetchPriority.ORDINARY && ordinaryQueue.containsKey(host));
            if (!ahead && canRun(host, priority)) {
                return start(host);
            }
            if (waiting >= maxWaiting) {
                return null;
            }
            Waiter w = new Waiter(host, key, priority);
            enqueue(w);
            waiting++;
            waitingByKey.putIfAbsent(key, w);
            try {
                long left = deadline.remaining().toNanos();
                while (!w.admitted && left > 0) {
                    left = w.granted.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (w.admitted) {
                return slot(host);
            }
            remove(w);
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** A protected caller needs {@code key} too: its waiting fetch moves to the protected callers' queue. */
    void promote(String key) {
        lock.lock();
        try {
            Waiter w = waitingByKey.get(key);
            if (w != null && !w.admitted && w.priority == FetchPriority.ORDINARY) {
                remove(w);
                w.priority = FetchPriority.PROTECTED_CALLER;
                enqueue(w);
                waiting++;
                waitingByKey.put(key, w);
                dispatch();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean canRun(String host, FetchPriority priority) {
        int limit = priority == FetchPriority.PROTECTED_CALLER ? maxConcurrent : maxConcurrent - reserved;
        return running < limit && runningPerHost.getOrDefault(host, 0) < maxPerHost;
    }

    private Slot start(String host) {
        running++;
        runningPerHost.merge(host, 1, Integer::sum);
        return slot(host);
    }

    private Slot slot(String host) {
        return new Slot() {
            private boolean released;

            @Override
            public void close() {
                lock.lock();
                try {
                    if (!released) {
                        released = true;
                        running--;
                        runningPerHost.computeIfPresent(host, (h, n) -> n == 1 ? null : n - 1);
                        dispatch();
                    }
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    private void enqueue(Waiter w) {
        (w.priority == FetchPriority.PROTECTED_CALLER ? protectedQueue : ordinaryQueue)
                .computeIfAbsent(w.host, h -> new ArrayDeque<>()).addLast(w);
    }

    private void remove(Waiter w) {
        LinkedHashMap<String, ArrayDeque<Waiter>> q = w.priority == FetchPriority.PROTECTED_CALLER ? protectedQueue
                : ordinaryQueue;
        ArrayDeque<Waiter> d = q.get(w.host);
        if (d != null && d.remove(w)) {
            waiting--;
            if (d.isEmpty()) {
                q.remove(w.host);
            }
        }
        waitingByKey.remove(w.key, w);
    }

    /** Admits waiting fetches while slots allow: protected callers' first, then hosts in round-robin order. */
    private void dispatch() {
        while (admitOne(protectedQueue, FetchPriority.PROTECTED_CALLER) || admitOne(ordinaryQueue, FetchPriority.ORDINARY)) {
            // keep admitting
        }
    }

    private boolean admitOne(LinkedHashMap<String, ArrayDeque<Waiter>> queue, FetchPriority priority) {
        for (Iterator<Map.Entry<String, ArrayDeque<Waiter>>> it = queue.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ArrayDeque<Waiter>> e = it.next();
            if (!canRun(e.getKey(), priority)) {
                continue;
            }
            Waiter w = e.getValue().pollFirst();
            it.remove(); // the host goes to the back of the round (or leaves it when nothing waits)
            if (!e.getValue().isEmpty()) {
                queue.put(e.getKey(), e.getValue());
            }
            waiting--;
            waitingByKey.remove(w.key, w);
            running++;
            runningPerHost.merge(w.host, 1, Integer::sum);
            w.admitted = true;
            w.granted.signal();
            return true;
        }
        return false;
    }
}
