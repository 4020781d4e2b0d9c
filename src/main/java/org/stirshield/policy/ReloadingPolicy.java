package org.stirshield.policy;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;

/**
 * Holds the policy in force in an {@link AtomicReference} and replaces it when the policy file or one
 * of its CSVs changes (WatchService on their directories with a debounce, plus a poll of modification
 * time, size and inode as a fallback), on SIGHUP, or on {@link #reload()}. A new version is loaded and
 * validated completely before it is swapped in with one atomic write, so every decision sees exactly one
 * version; an invalid version is refused with {@code file:line: reason} in the log and the old policy
 * stays in force.
 */
public final class ReloadingPolicy implements PolicyEngine, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingPolicy.class);

    private final PolicySettings settings;
    private final AtomicReference<Policy> current;
    private final List<PolicyReloadListener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private final Runnable hupTarget = this::requestReload;
    private ScheduledExecutorService exec;
    private ScheduledFuture<?> pending;
    private WatchService watcher;
    private Thread watchThread;
    private final Set<Path> watchedDirs = new HashSet<>();
    /** Stamps of the files seen at the last reload attempt (successful or not). */
    private volatile Map<Path, Stamp> seen = Map.of();
    private volatile boolean closed;

    private ReloadingPolicy(PolicySettings settings, Policy initial) {
        this.settings = settings;
        this.current = new AtomicReference<>(initial);
    }

    /**
     * Loads the configured policy file (the embedded example when asked for by name, no protection at all
     * when no file is configured: {@link PolicyLoader#none()}). An invalid
     * file at start-up is an error: there is no previous policy to keep. Call {@link #start()} to begin
     * watching.
     */
    public static ReloadingPolicy open(PolicySettings settings) throws PolicyException {
        if (settings.file() == null) {
            return new ReloadingPolicy(settings, settings.example() ? PolicyLoader.loadEmbedded() : PolicyLoader.none());
        }
        Map<Path, Stamp> before = stamps(List.of(settings.file()));
        Policy p = PolicyLoader.load(settings.file());
        ReloadingPolicy r = new ReloadingPolicy(settings, p);
        r.seen = merge(before, stamps(p.sources()));
        return r;
    }

    /**
     * Starts the file watcher and poller (when {@code watch} is on and there is a file) and the SIGHUP
     * handler. Returns this.
     */
    public synchronized ReloadingPolicy start() {
        if (exec != null || closed) {
            return this;
        }
        exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "policy-reload");
            t.setDaemon(true);
            return t;
        });
        if (settings.file() != null && settings.watch()) {
            try {
                watcher = FileSystems.getDefault().newWatchService();
                registerDirs(current.get().sources());
                watchThread = new Thread(this::watchLoop, "policy-watch");
                watchThread.setDaemon(true);
                watchThread.start();
            } catch (IOException e) {
                LOG.warn("policy: file watching unavailable ({}); polling every {}", e.toString(),
                        settings.pollInterval());
            }
            long poll = settings.pollInterval().toMillis();
            exec.scheduleWithFixedDelay(this::poll, poll, poll, TimeUnit.MILLISECONDS);
        }
        if (settings.file() != null) {
            HupSignal.register(hupTarget);
        }
        return this;
    }

    /** Tells {@code l} about every reload attempt. */
    public void addListener(PolicyReloadListener l) {
        listeners.add(Objects.requireNonNull(l));
    }

    /** The policy in force now. */
    public Policy current() {
        return current.get();
    }

    @Override
    public Decision decide(CallAttempt call, Verdict verdict, int replayCount, String originalName) {
        return current.get().decide(call, verdict, replayCount, originalName);
    }

    @Override
    public ProtectedMatch lookup(String canonicalTn) {
        return current.get().lookup(canonicalTn);
    }

    /**
     * Reloads now, synchronously: validates the file and its CSVs and swaps the new policy in, or keeps
     * the old one. Returns whether the new one is in force.
     */
    public boolean reload() {
        synchronized (lock) {
            if (settings.file() == null) {
                current.set(settings.example() ? PolicyLoader.loadEmbedded() : PolicyLoader.none());
                notifyListeners(true, current.get().summary());
                return true;
            }
            Set<Path> known = new LinkedHashSet<>(current.get().sources());
            known.add(settings.file());
            Map<Path, Stamp> before = stamps(known);
            try {
                Policy p = PolicyLoader.load(settings.file());
                // Stamps from before the read: a file changed while it was read differs at the next poll.
                seen = merge(before, stamps(p.sources()));
                current.set(p);
                registerDirs(p.sources());
                LOG.info("policy reloaded: {}", p.summary());
                notifyListeners(true, p.summary());
                return true;
            } catch (PolicyException e) {
                seen = before;
                LOG.error("policy reload refused, the previous policy stays in force: {}", e.getMessage());
                notifyListeners(false, e.getMessage());
                return false;
            } catch (RuntimeException e) {
                seen = before;
                LOG.error("policy reload failed, the previous policy stays in force: {}", e.toString());
                notifyListeners(false, e.toString());
                return false;
            }
        }
    }

    /** Asks for a reload after the debounce period (restarted by every further request). */
    public void requestReload() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (exec == null) {
                reload();
                return;
            }
            if (pending != null) {
                pending.cancel(false);
            }
            pending = exec.schedule(this::reload, settings.debounce().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void notifyListeners(boolean ok, String detail) {
        for (PolicyReloadListener l : listeners) {
            try {
                l.reloaded(ok, detail);
            } catch (RuntimeException e) {
                LOG.warn("policy reload listener failed: {}", e.toString());
            }
        }
    }

    private void poll() {
        try {
            Map<Path, Stamp> last = seen;
            Set<Path> paths = new LinkedHashSet<>(last.keySet());
            paths.add(settings.file());
            if (!stamps(paths).equals(last)) {
                requestReload();
            }
        } catch (RuntimeException e) {
            LOG.warn("policy poll failed: {}", e.toString());
        }
    }

    private void registerDirs(List<Path> files) {
        WatchService w = watcher;
        if (w == null) {
            return;
        }
        synchronized (watchedDirs) {
            for (Path f : files) {
                Path dir = f.toAbsolutePath().normalize().getParent();
                if (dir != null && watchedDirs.add(dir)) {
                    try {
                        dir.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                                StandardWatchEventKinds.ENTRY_DELETE);
                    } catch (IOException | ClosedWatchServiceException e) {
                        LOG.warn("policy: cannot watch {}: {}", dir, e.toString());
                    }
                }
            }
        }
    }

    private void watchLoop() {
        while (!closed) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            boolean relevant = false;
            Path dir = (Path) key.watchable();
            Set<Path> files = new HashSet<>(seen.keySet());
            files.add(settings.file().toAbsolutePath().normalize());
            for (WatchEvent<?> ev : key.pollEvents()) {
                if (ev.kind() == StandardWatchEventKinds.OVERFLOW) {
                    relevant = true;
                } else if (ev.context() instanceof Path name && files.contains(dir.resolve(name))) {
                    relevant = true;
                }
            }
            key.reset();
            if (relevant) {
                requestReload();
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (pending != null) {
                pending.cancel(false);
            }
        }
        HupSignal.unregister(hupTarget);
        if (exec != null) {
            exec.shutdownNow();
        }
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** What tells a file changed: modification time, size and file key (inode: catches a rename over it). */
    record Stamp(FileTime modified, long size, Object fileKey) {
        static final Stamp MISSING = new Stamp(null, -1, null);
    }

    private static Map<Path, Stamp> stamps(Iterable<Path> paths) {
        Map<Path, Stamp> m = new HashMap<>();
        for (Path p : paths) {
            Path a = p.toAbsolutePath().normalize();
            try {
                BasicFileAttributes at = Files.readAttributes(a, BasicFileAttributes.class);
                m.put(a, new Stamp(at.lastModifiedTime(), at.size(), at.fileKey()));
            } catch (IOException e) {
                m.put(a, Stamp.MISSING);
            }
        }
        return m;
    }

    private static Map<Path, Stamp> merge(Map<Path, Stamp> before, Map<Path, Stamp> after) {
        Map<Path, Stamp> m = new HashMap<>(after);
        before.forEach((p, s) -> {
            if (m.containsKey(p)) {
                m.put(p, s);
            }
        });
        return Map.copyOf(m);
    }
}
