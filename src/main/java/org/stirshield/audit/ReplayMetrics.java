package org.stirshield.audit;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The replay-detection metrics, registered beside {@link Metrics}' own (same registry, same conventions:
 * lowercase label values, one counter with a label rather than several counters). All read {@link
 * ReplayDetection}'s counters when Prometheus scrapes, except the store latency histogram.
 *
 * <pre>
 * stirshield_replay_store_mode{mode="memory|shared|fallback"}        1 for the current mode, else 0
 * stirshield_replay_store_errors_total{reason="timeout|error|unavailable"}   call operations that failed
 * stirshield_replay_checks_total{store="shared|local"}                calls checked, by where
 * stirshield_replay_store_duration_seconds                            successful store operations
 * stirshield_replay_evictions_total                                   PASSporTs dropped from memory before expiry
 * stirshield_replay_cache_capacity                                    audit.replay.max_entries
 * stirshield_replay_window_seconds                                    the longest a PASSporT is remembered
 * </pre>
 */
final class ReplayMetrics {
    private ReplayMetrics() {
    }

    static void register(PrometheusRegistry registry, ReplayDetection replay) {
        GaugeWithCallback.builder().name("stirshield_replay_store_mode")
                .help("Where replay detection checks calls now: memory (configured), shared (the store answers),"
                        + " fallback (the store does not answer; this instance's memory only)")
                .labelNames("mode")
                .callback(cb -> {
                    ReplayDetection.Mode now = replay.mode();
                    for (ReplayDetection.Mode m : ReplayDetection.Mode.values()) {
                        cb.call(m == now ? 1 : 0, m.label());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("stirshield_replay_store_errors")
                .help("Shared replay store operations of calls that failed (timeout, error, unavailable);"
                        + " each made the call fall back to this instance's memory")
                .labelNames("reason")
                .callback(cb -> {
                    for (RedisReplayStore.Failure f : RedisReplayStore.Failure.values()) {
                        cb.call(replay.storeErrors(f), f.label());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("stirshield_replay_checks")
                .help("Calls checked for replay, by store: shared (every instance's calls) or local (this"
                        + " instance's memory only)")
                .labelNames("store")
                .callback(cb -> {
                    cb.call(replay.checkedShared(), "shared");
                    cb.call(replay.checkedLocal(), "local");
                }).register(registry);
        CounterWithCallback.builder().name("stirshield_replay_evictions")
                .help("PASSporTs dropped from memory by audit.replay.max_entries before they expired (a replay of"
                        + " one would go unseen): raise max_entries or peak_rate")
                .callback(cb -> cb.call(replay.local().evictedBeforeExpiry())).register(registry);
        GaugeWithCallback.builder().name("stirshield_replay_cache_capacity")
                .help("PASSporTs the memory store holds at most (audit.replay.max_entries)")
                .callback(cb -> cb.call(replay.local().maximumSize())).register(registry);
        GaugeWithCallback.builder().name("stirshield_replay_window_seconds")
                .help("The longest a PASSporT is remembered: freshness + future_skew + 1 s")
                .callback(cb -> cb.call(replay.settings().window().longest().toSeconds())).register(registry);
        Histogram latency = Histogram.builder().name("stirshield_replay_store_duration_seconds")
                .help("Time a call waited for one successful shared replay store operation (for a free dispatcher, then"
                        + " the round trip)").unit(Unit.SECONDS).classicOnly()
                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05)
                .register(registry);
        replay.onStoreLatency(nanos -> latency.observe(nanos / 1e9));
    }
}
