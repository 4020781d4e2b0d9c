package org.stirshield.policy;

import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP → reload. One JVM-wide handler ({@code sun.misc.Signal}, reached by reflection so that a JVM
 * without it, or one where HUP cannot be caught, e.g. Windows or {@code -Xrs}, just logs and goes on)
 * that tells every registered target: each {@link ReloadingPolicy}, and the service's reload of trust
 * anchors, CRL files and pinned certificates.
 */
public final class HupSignal {
    private static final Logger LOG = LoggerFactory.getLogger(HupSignal.class);
    private static final Set<Runnable> TARGETS = new CopyOnWriteArraySet<>();
    private static Boolean installed;

    private HupSignal() {
    }

    /** Registers {@code target}; returns whether SIGHUP handling is available. */
    public static synchronized boolean register(Runnable target) {
        TARGETS.add(target);
        if (installed == null) {
            installed = install();
        }
        return installed;
    }

    public static void unregister(Runnable target) {
        TARGETS.remove(target);
    }

    /** Whether the handler is installed (so raising SIGHUP will not terminate the JVM). */
    static synchronized boolean installed() {
        return Boolean.TRUE.equals(installed);
    }

    /** What the handler does: tell every registered target. */
    static void fire() {
        for (Runnable r : TARGETS) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("SIGHUP reload request failed: {}", e.toString());
            }
        }
    }

    /** Sends SIGHUP to this process (tests); only when the handler is installed. */
    static void raise() throws ReflectiveOperationException {
        if (!installed()) {
            throw new IllegalStateException("SIGHUP handler not installed");
        }
        Class<?> sig = Class.forName("sun.misc.Signal");
        Object hup = sig.getConstructor(String.class).newInstance("HUP");
        sig.getMethod("raise", sig).invoke(null, hup);
    }

    private static boolean install() {
        try {
            Class<?> sig = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object hup = sig.getConstructor(String.class).newInstance("HUP");
            Object handler = Proxy.newProxyInstance(HupSignal.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            LOG.info("SIGHUP: reloading the policy, trust anchors, CRL files and pinned certificates");
                            fire();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "HupSignal";
                    });
            Object previous = sig.getMethod("handle", sig, handlerType).invoke(null, hup, handler);
            if (previous != null && previous == handlerType.getField("SIG_IGN").get(null)) {
                // the JVM leaves a shutdown signal that was ignored when it started ignored (nohup does that)
                LOG.warn("SIGHUP is ignored in this process (it was started with SIGHUP ignored, e.g. by nohup): a"
                        + " SIGHUP reloads nothing. The policy file is still watched; trust anchors, CRL files and"
                        + " pinned certificates reload on a restart. Run serve under systemd (systemctl reload) or"
                        + " without nohup to reload with SIGHUP.");
                return false;
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable c = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            LOG.warn("SIGHUP reload not available on this platform ({}); file watching still works", c.toString());
            return false;
        }
    }
}
