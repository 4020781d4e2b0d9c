package org.stirshield.agi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread of the FastAGI server: a selector that accepts connections on its own listener (every loop
 * has one, on the same port: the kernel spreads new connections over them) and drives every session it
 * accepted to its end: reads, writes, the script's steps, the decision when it can be made without waiting.
 * Per call that is one wake-up per message from Asterisk and none for a hand-off. Other threads give it work
 * with {@link #execute} (a decision that had to wait, an eviction, the drain). It sleeps no longer than the
 * earliest clock of its sessions ({@link #due}) and then looks at them: read timeouts, the time limit, the
 * watchdog of a decision running elsewhere. The loop survives anything a session throws.
 */
final class EventLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
    /**
     * The longest the loop sleeps while it holds sessions: their clocks are looked at when the earliest runs out
     * ({@link #due}), and at least this often.
     */
    static final long MAX_SLEEP_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Connections accepted per round, after the sessions already open had theirs: under more load than the
     * loop can serve, new connections wait in the kernel's listen queue (and beyond {@code server.backlog}
     * are refused there) instead of piling up as sessions that all get slower. Not fewer: under an idle
     * flood a real call waits in that queue behind the flood's connections (IdleFloodTest: with 16 per round
     * the slowest real call took its whole deadline on the loaded machine).
     */
    private static final int ACCEPT_BATCH = 64;
    /** How long accepting pauses after accept failed (e.g. out of file descriptors): no spinning. */
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final AgiServer server;
    private final Selector selector;
    private final ServerSocketChannel listener;
    private final SelectionKey acceptKey;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Read buffer shared by the loop's sessions (a session keeps only a line not ended yet). */
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    private final List<AgiSession> sessions = new ArrayList<>();
    private final CountDownLatch listenerClosed = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean stopped;
    /** When the earliest clock of a session (or the accept pause) runs out: the sessions are looked at then. */
    private long nextTick;
    private long acceptPausedUntil;
    private boolean acceptPaused;
    /** The listener has connections waiting: accepted once the round's sessions are served. */
    private boolean acceptReady;

    EventLoop(AgiServer server, ServerSocketChannel listener, int number) throws IOException {
        this.server = server;
        this.selector = Selector.open();
        this.listener = listener;
        listener.configureBlocking(false);
        this.acceptKey = listener.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = Thread.ofPlatform().name("agi-loop-" + number).daemon().unstarted(this);
    }

    void start() {
        thread.start();
    }

    /** Runs {@code task} on this loop's thread (at once when called from it, else soon). */
    void execute(Runnable task) {
        tasks.add(task);
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    /** Sessions this loop holds now. */
    int sessions() {
        return sessions.size();
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                try {
                    step();
                } catch (Throwable t) { // never let the loop die
                    server.stats.uncaught.increment();
                    LOG.error("uncaught in {}", thread.getName(), t);
                }
            }
        } finally {
            for (AgiSession s : List.copyOf(sessions)) {
                s.finish();
            }
            closeListener();
            try {
                selector.close();
            } catch (IOException ignored) {
                // stopping
            }
            ended.countDown();
        }
    }

    private void step() throws IOException {
        long timeoutMillis;
        if (sessions.isEmpty() && !acceptPaused) {
            timeoutMillis = 0; // nothing to time: sleep until a connection or a task
        } else {
            // rounded up: waking a little early only means sleeping again
            timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime()) + 1);
        }
        if (tasks.isEmpty()) {
            selector.select(this::ready, timeoutMillis);
        } else {
            selector.selectNow(this::ready);
        }
        for (Runnable task; (task = tasks.poll()) != null;) {
            try {
                task.run();
            } catch (RuntimeException | StackOverflowError e) {
                server.stats.uncaught.increment();
                LOG.error("task failed on {}", thread.getName(), e);
            }
        }
        if (acceptReady) {
            acceptReady = false;
            accept();
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
            tick(now);
        }
    }

    private void ready(SelectionKey k) {
        if (k == acceptKey) {
            acceptReady = true;
            return;
        }
        AgiSession s = (AgiSession) k.attachment();
        try {
            int ops = k.readyOps();
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                s.writable();
            }
            if ((ops & SelectionKey.OP_READ) != 0 && k.isValid()) {
                s.readable(readBuffer);
            }
        } catch (java.nio.channels.CancelledKeyException e) {
            // closed meanwhile
        } catch (RuntimeException | StackOverflowError e) {
            failed(s, e);
        }
    }

    private void accept() {
        for (int i = 0; i < ACCEPT_BATCH; i++) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
                LOG.warn("accept failed: {}", e.getMessage());
                acceptKey.interestOps(0); // e.g. out of file descriptors: do not spin
                acceptPaused = true;
                acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE_NANOS;
                due(acceptPausedUntil);
                return;
            }
            if (ch == null) {
                return;
            }
            server.admit(this, ch);
        }
    }

    private void tick(long now) {
        nextTick = now + MAX_SLEEP_NANOS;
        // backwards: a session that ends takes itself out by moving the last one into its place
        for (int i = sessions.size() - 1; i >= 0; i--) {
            if (i < sessions.size()) {
                AgiSession s = sessions.get(i);
                try {
                    s.tick(now);
                } catch (RuntimeException | StackOverflowError e) {
                    failed(s, e);
                }
            }
        }
        if (acceptPaused) {
            if (now - acceptPausedUntil >= 0 && acceptKey.isValid()) {
                acceptPaused = false;
                acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            } else {
                due(acceptPausedUntil);
            }
        }
    }

    /**
     * A session's clock runs out at {@code at} ({@link System#nanoTime()}): the loop looks at its sessions then
     * at the latest. Nothing is scheduled per call: the loop only sleeps no longer than its earliest clock.
     */
    void due(long at) {
        if (at - nextTick < 0) {
            nextTick = at;
        }
    }

    /** A step of {@code s} threw (on this loop): the call is still answered and recorded, then ends. */
    void failed(AgiSession s, Throwable e) {
        server.handler().failed(s, e);
    }

    /** Takes a newly accepted session into the loop. */
    void register(AgiSession s) throws IOException {
        s.key = s.channel.register(selector, SelectionKey.OP_READ, s);
        s.index = sessions.size();
        sessions.add(s);
        if (sessions.size() == 1) {
            nextTick = System.nanoTime() + MAX_SLEEP_NANOS;
        }
        due(s.inputDue()); // its environment block: read_timeout from now
    }

    /** Takes an ended session out. */
    void remove(AgiSession s) {
        int i = s.index;
        if (i < 0 || i >= sessions.size() || sessions.get(i) != s) {
            return;
        }
        AgiSession last = sessions.remove(sessions.size() - 1);
        if (last != s) {
            sessions.set(i, last);
            last.index = i;
        }
        s.index = -1;
    }

    /**
     * The drain's first step, as a task on this loop: accepts (and serves) what the kernel has already
     * queued on this loop's listener, then closes it.
     */
    void acceptQueuedAndClose() {
        if (listener.isOpen()) {
            while (true) {
                SocketChannel ch;
                try {
                    ch = listener.accept();
                } catch (IOException e) {
                    break;
                }
                if (ch == null) {
                    break;
                }
                server.admit(this, ch);
            }
        }
        closeListener();
    }

    private void closeListener() {
        acceptKey.cancel();
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        listenerClosed.countDown();
    }

    /** Waits up to {@code millis} until this loop's listener is closed. */
    boolean awaitListenerClosed(long millis) throws InterruptedException {
        return listenerClosed.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Closes every session (the drain's grace is over). */
    void closeAll() {
        for (AgiSession s : List.copyOf(sessions)) {
            s.lost();
        }
    }

    /** Stops the loop; the sessions left are closed. */
    void stop() {
        stopped = true;
        selector.wakeup();
    }

    /** Waits up to {@code millis} until the loop has stopped. */
    boolean awaitStopped(long millis) throws InterruptedException {
        return ended.await(millis, TimeUnit.MILLISECONDS);
    }
}
