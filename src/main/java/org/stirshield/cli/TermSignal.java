package org.stirshield.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT → a clean drain that exits 0. Without a handler the JVM runs its shutdown hooks and
 * exits with 143 (128 + SIGTERM), which systemd reports as a failure. The handler ({@code sun.misc.Signal},
 * reached by reflection so that a JVM without it, or started with {@code -Xrs}, just falls back to the
 * shutdown hook) only starts the drain; the command's own thread does it and returns its exit code.
 */
final class TermSignal {
    private static final Logger LOG = LoggerFactory.getLogger(TermSignal.class);

    private TermSignal() {
    }

    /** Calls {@code onSignal} (on the JVM's signal thread; it must return at once) on SIGTERM and SIGINT. */
    static boolean install(Runnable onSignal) {
        try {
            Class<?> sig = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(TermSignal.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            onSignal.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "TermSignal";
                    });
            for (String name : new String[] {"TERM", "INT"}) {
                Object s = sig.getConstructor(String.class).newInstance(name);
                sig.getMethod("handle", sig, handlerType).invoke(null, s, handler);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable c = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            LOG.warn("SIGTERM handling not available ({}); a stop exits through the shutdown hook (status 143)",
                    c.toString());
            return false;
        }
    }
}
