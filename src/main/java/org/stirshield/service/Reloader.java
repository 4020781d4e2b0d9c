package org.stirshield.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.cert.CachedCertificateSource;
import org.stirshield.cert.FetchSettings;
import org.stirshield.cert.HttpCrlSource;
import org.stirshield.cert.TrustMaterial;
import org.stirshield.config.ConfigSchema;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.HupSignal;
import org.stirshield.verify.VerifierSettings;

/**
 * SIGHUP ({@code systemctl reload stirshield}) for the configuration file: re-reads stirshield.yaml and swaps in
 * the trust anchors ({@code verification.trust_dir}), CRL files ({@code verification.crl_files}) and pinned
 * certificates ({@code certificates.pinned}) as one set; when the file or any of them is invalid the old set
 * stays in force and the error is logged with file:line. Keys changed in the file that only a restart applies
 * (e.g. {@code server.listen}) are logged as such. The policy reloads itself on the same signal.
 */
final class Reloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

    private final Path configFile;
    private final CachedCertificateSource certificates;
    private final HttpCrlSource crls;
    private final FetchSettings fetch;
    private final Runnable hup = () -> Thread.ofVirtual().name("config-reload").start(this::reload);
    /** The configuration the service started with. */
    private final JsonNode started;
    private final Listener listener;

    /** Told the outcome of every reload (metrics, /health): {@code why} is null when {@code ok}. */
    @FunctionalInterface
    interface Listener {
        void reloaded(boolean ok, String why);
    }

    Reloader(Path configFile, JsonNode started, CachedCertificateSource certificates, HttpCrlSource crls,
            FetchSettings fetch, Listener listener) {
        this.configFile = configFile;
        this.started = started;
        this.certificates = certificates;
        this.crls = crls;
        this.fetch = fetch;
        this.listener = listener;
    }

    void listen() {
        HupSignal.register(hup);
    }

    /** Reloads now; returns whether the new trust set is in force. */
    synchronized boolean reload() {
        JsonNode fresh = null;
        TrustMaterial trust;
        try {
            fresh = ConfigValues.readYaml(configFile);
            VerifierSettings vs = VerifierSettings.from(ConfigValues.section(fresh, "verification"));
            FetchSettings fs = FetchSettings.from(ConfigValues.section(fresh, "certificates"));
            trust = TrustMaterial.load(vs.trustDir(), vs.crlFiles(), fs.pinned());
        } catch (IllegalArgumentException | java.io.IOException e) {
            String why = e instanceof IllegalArgumentException iae ? ConfigValues.locate(fresh, iae).getMessage()
                    : e.getMessage();
            LOG.error("reload refused, the running trust anchors, CRL files and pinned certificates stay in force: {}",
                    why);
            listener.reloaded(false, why);
            return false;
        }
        certificates.replaceTrust(StirShieldService.validator(trust, crls, fetch), trust.pinned());
        listener.reloaded(true, null);
        LOG.info("reloaded {}: {} trust anchor(s) from {}, {} CRL(s), {} pinned x5u URL(s)", configFile,
                trust.anchors().size(), trust.trustDir(), trust.crls().crls().size(), trust.pinned().size());
        for (String p : trust.anchorProblems(java.time.Instant.now())) {
            LOG.warn("{}", p);
        }
        // what runs is what the service started with, except the keys a reload applies
        List<String> restart = ConfigValues.changedKeys(started, fresh).stream()
                .filter(k -> ConfigSchema.STIRSHIELD.key(k).apply() == ConfigSchema.Apply.RESTART).toList();
        if (!restart.isEmpty()) {
            LOG.warn("changed in {} but applied only by a restart (systemctl restart stirshield): {}", configFile,
                    String.join(", ", restart));
        }
        return true;
    }

    @Override
    public void close() {
        HupSignal.unregister(hup);
    }
}
