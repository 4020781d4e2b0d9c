package org.stirshield.cert;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP(S) server on 127.0.0.1 (JDK com.sun.net.httpserver), counting requests per path. Handlers
 * that stall wait on {@link #released} so that {@link #close()} ends them at once.
 */
public final class CertServer implements AutoCloseable {
    static {
        // Like production web servers, send small TLS/HTTP writes at once: without TCP_NODELAY the JDK
        // server's handshake meets Linux's delayed ACK and every new connection costs ~40 ms.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    public interface Handler {
        void handle(HttpExchange ex) throws Exception;
    }

    final HttpServer http;
    final CountDownLatch released = new CountDownLatch(1);
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    private CertServer(HttpServer http) {
        this.http = http;
        http.setExecutor(executor);
        http.start();
    }

    public static CertServer https(TestTls tls) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        s.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext));
        return new CertServer(s);
    }

    public static CertServer http() throws IOException {
        return new CertServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200));
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public String url(String host, String path) {
        return (http instanceof HttpsServer ? "https" : "http") + "://" + host + ":" + port() + path;
    }

    public CertServer on(String path, Handler h) {
        counts.put(path, new AtomicInteger());
        http.createContext(path, ex -> {
            counts.get(path).incrementAndGet();
            total.incrementAndGet();
            try (ex) {
                h.handle(ex);
            } catch (IOException e) {
                // the client hung up (size limit, timeout): expected in several tests
            } catch (Exception e) {
                throw new IOException(e);
            }
        });
        return this;
    }

    /** A handler answering {@code body} with status 200 and the given extra headers. */
    public static Handler body(byte[] body, String... headers) {
        return ex -> {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                ex.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        };
    }

    public static Handler status(int code, String... headers) {
        return ex -> {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                ex.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            ex.sendResponseHeaders(code, -1);
        };
    }

    public int count(String path) {
        AtomicInteger c = counts.get(path);
        return c == null ? 0 : c.get();
    }

    public int total() {
        return total.get();
    }

    @Override
    public void close() {
        released.countDown();
        http.stop(0);
        executor.shutdownNow();
    }
}
