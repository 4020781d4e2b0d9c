package org.stirshield.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads what an operator's Prometheus would: the /metrics page of a running endpoint. */
public final class MetricsScrape {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private MetricsScrape() {
    }

    /** GETs {@code path} on the endpoint at 127.0.0.1:{@code port}. */
    public static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one series, e.g. {@code stirshield_cert_fetch_failures_total{kind="TIMEOUT"}}; 0 when absent. */
    public static double value(int port, String series) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(get(port, "/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
