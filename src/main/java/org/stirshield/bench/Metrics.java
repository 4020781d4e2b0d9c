package org.stirshield.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The server's Prometheus endpoint, read once: metric name (without labels) → the sum of its samples. */
final class Metrics {
    private Metrics() {
    }

    static Map<String, Double> scrape(int port) {
        Map<String, Double> out = new HashMap<>();
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String text = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                String name = line.substring(0, space);
                int brace = name.indexOf('{');
                name = brace < 0 ? name : name.substring(0, brace);
                try {
                    out.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
                } catch (NumberFormatException ignored) {
                    // not a sample
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // no metrics: shown as n/a
        }
        return out;
    }

    static String show(Map<String, Double> m, String name) {
        Double v = m.get(name);
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.0f", v);
    }
}
