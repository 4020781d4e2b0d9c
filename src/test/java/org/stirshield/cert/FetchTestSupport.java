package org.stirshield.cert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Shared bits of the fetch tests: config from YAML, a recording guard trace, a scripted resolver, a manual ticker. */
final class FetchTestSupport {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private FetchTestSupport() {
    }

    /** {@code certificates:} settings: {@code base} YAML overlaid (top-level keys) by {@code extra} YAML. */
    static FetchSettings settings(String base, String extra) throws Exception {
        ObjectNode n = (ObjectNode) YAML.readTree(base);
        if (extra != null && !extra.isBlank()) {
            n.setAll((ObjectNode) YAML.readTree(extra));
        }
        return FetchSettings.from(n);
    }

    static JsonNode yaml(String s) throws Exception {
        return YAML.readTree(s);
    }

    /** The guard's decision log as the tests see it. */
    static final class Trace implements GuardedFetcher.Trace {
        final List<String> resolved = Collections.synchronizedList(new ArrayList<>());
        final List<AddressGuard.Decision> decisions = Collections.synchronizedList(new ArrayList<>());
        final List<InetSocketAddress> connects = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void resolved(String host, List<InetAddress> addresses) {
            resolved.add(host);
        }

        @Override
        public void decided(String host, AddressGuard.Decision decision) {
            decisions.add(decision);
        }

        @Override
        public void connecting(String host, InetSocketAddress address) {
            connects.add(address);
        }

        boolean connectedTo(String ip) {
            synchronized (connects) {
                return connects.stream().anyMatch(a -> a.getAddress().getHostAddress().equals(ip));
            }
        }
    }

    /**
     * A resolver scripted per host name: each lookup takes the next answer (the last one repeats), so a
     * test can make a name "change" between lookups. Unknown names go to the system resolver.
     */
    static final class Resolver implements GuardedFetcher.Resolver {
        private final Map<String, List<List<InetAddress>>> answers = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

        Resolver answer(String host, String... ipsPerLookup) {
            List<List<InetAddress>> l = new ArrayList<>();
            for (String ip : ipsPerLookup) {
                try {
                    l.add(List.of(InetAddress.getByAddress(host, Cidr.literal(ip))));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException(e);
                }
            }
            answers.put(host, l);
            return this;
        }

        /** {@code host} does not resolve (NXDOMAIN). */
        Resolver unknown(String host) {
            answers.put(host, List.of());
            return this;
        }

        @Override
        public List<InetAddress> resolve(String host) throws UnknownHostException {
            int n = lookups.computeIfAbsent(host, h -> new AtomicInteger()).getAndIncrement();
            if (answers.containsKey(host) && answers.get(host).isEmpty()) {
                throw new UnknownHostException(host);
            }
            List<List<InetAddress>> l = answers.get(host);
            if (l == null) {
                return SYSTEM.resolve(host);
            }
            return l.get(Math.min(n, l.size() - 1));
        }

        int lookups(String host) {
            AtomicInteger a = lookups.get(host);
            return a == null ? 0 : a.get();
        }
    }

    /** A ticker the test moves by hand (cache time only; fetch timeouts use the real clock). */
    static final class ManualTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long read() {
            return nanos.get();
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }

    /** Counts what {@link CertificateEvents} reports. */
    static final class Events implements CertificateEvents {
        final LongAdder hits = new LongAdder();
        final LongAdder misses = new LongAdder();
        final LongAdder fetched = new LongAdder();
        final Map<CredentialFailure, LongAdder> failed = new ConcurrentHashMap<>();

        @Override
        public void cacheHit() {
            hits.increment();
        }

        @Override
        public void cacheMiss() {
            misses.increment();
        }

        @Override
        public void fetched(Fetch what, CredentialFailure failure, Duration latency) {
            if (failure == null) {
                fetched.increment();
            } else {
                failed.computeIfAbsent(failure, f -> new LongAdder()).increment();
            }
        }

        long failed(CredentialFailure f) {
            LongAdder a = failed.get(f);
            return a == null ? 0 : a.sum();
        }
    }
}
