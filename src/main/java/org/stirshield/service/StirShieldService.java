package org.stirshield.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.audit.DecisionRecorder;
import org.stirshield.audit.HealthCheck;
import org.stirshield.audit.LogFormat;
import org.stirshield.audit.Metrics;
import org.stirshield.audit.ReplayWindow;
import org.stirshield.cert.CachedCertificateSource;
import org.stirshield.cert.CachedContentSource;
import org.stirshield.cert.CertificateSources;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.FetchSettings;
import org.stirshield.cert.CrlSource;
import org.stirshield.cert.HttpCrlSource;
import org.stirshield.cert.TrustMaterial;
import org.stirshield.config.ConfigException;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.PolicyException;
import org.stirshield.policy.PolicyLoader;
import org.stirshield.policy.PolicyReport;
import org.stirshield.policy.PolicySettings;
import org.stirshield.policy.ReloadingPolicy;
import org.stirshield.sign.OutboundSigner;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;

/**
 * The running verification service that {@code serve} puts behind the FastAGI server: built from the
 * configuration file's sections (verification, certificates, policy, audit, metrics), it owns every
 * resource and closes them in order (audit log last, so that every decision is on record).
 */
public final class StirShieldService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StirShieldService.class);

    /**
     * What the service is built from.
     *
     * @param configFile the configuration file, or null (then {@code config} is empty and defaults apply)
     * @param config the configuration tree
     * @param auditFile {@code serve --audit}, overriding {@code audit.file}, or null
     * @param metricsListen {@code serve --metrics HOST:PORT}, overriding {@code metrics.listen}, or null
     */
    public record Options(Path configFile, JsonNode config, Path auditFile, String metricsListen) {
    }

    /**
     * Everything the service is built from, read and checked before anything starts: every section's
     * settings, the trust anchors, CRL and pinned files, the policy and its CSVs, the signing key, and the
     * audit and cache directories. {@code check-config} stops here; {@code serve} starts from it, so what one
     * accepts the other starts with.
     */
    public static final class Prepared {
        final Options options;
        final VerifierSettings verification;
        final FetchSettings certificates;
        final TrustMaterial trust;
        final PolicySettings policySettings;
        final ReloadingPolicy policy;
        final DecisionRecorder.Settings recorder;
        final OutboundSigner signer;
        final OutboundSigner.Settings signing;
        final int passportCacheEntries;

        private Prepared(Options options, VerifierSettings verification, FetchSettings certificates, TrustMaterial trust,
                PolicySettings policySettings, ReloadingPolicy policy, DecisionRecorder.Settings recorder,
                OutboundSigner.Settings signing, OutboundSigner signer, int passportCacheEntries) {
            this.passportCacheEntries = passportCacheEntries;
            this.options = options;
            this.verification = verification;
            this.certificates = certificates;
            this.trust = trust;
            this.policySettings = policySettings;
            this.policy = policy;
            this.recorder = recorder;
            this.signing = signing;
            this.signer = signer;
        }

        /**
         * What {@code check-config} refuses but {@code serve} only warns about (it can verify and report, just
         * never pass a signed call): no usable STI-CA root.
         */
        public List<String> strictProblems() {
            return trust.anchorProblems(Instant.now());
        }

        /** Start-up warnings both print: no policy file, the example policy, unusable roots beside usable ones. */
        public List<String> warnings() {
            List<String> out = new ArrayList<>();
            if (policySettings.file() == null && !policySettings.example()) {
                out.add("policy: " + policySettings.describe() + " (set policy.file)");
            } else if (policy.current().size() == 0) {
                out.add("policy: " + policy.current().summary() + ": no number is protected yet");
            }
            if (trust.anchors().size() > 0 && strictProblems().isEmpty()) {
                trust.anchors().unusable(Instant.now()).forEach(u -> out.add("verification.trust_dir: unusable root: " + u));
            }
            return out;
        }

        /** The resolved absolute path of every file and directory the configuration names, by key. */
        public Map<String, String> paths() {
            Map<String, String> out = new LinkedHashMap<>();
            if (options.configFile() != null) {
                out.put("configuration", options.configFile().toAbsolutePath().normalize().toString());
            }
            out.put("verification.trust_dir", trust.trustDir() + " (" + trust.anchors().size() + " certificate(s))");
            for (int i = 0; i < verification.crlFiles().size(); i++) {
                out.put("verification.crl_files[" + i + "]", verification.crlFiles().get(i).toAbsolutePath().toString());
            }
            certificates.pinned().forEach((url, f) -> out.put("certificates.pinned \"" + url + "\"",
                    f.toAbsolutePath().toString()));
            if (certificates.tlsCaFile() != null) {
                out.put("certificates.tls_ca_file", certificates.tlsCaFile().toAbsolutePath().toString());
            }
            if (certificates.cache().dir() != null) {
                out.put("certificates.cache.dir", certificates.cache().dir().toAbsolutePath().toString());
            }
            List<Path> sources = policy.current().sources();
            out.put("policy.file", policySettings.file() == null ? policySettings.describe()
                    : sources.isEmpty() ? policySettings.file().toString() : sources.get(0).toString());
            for (int i = 1; i < sources.size(); i++) {
                out.put("policy csv[" + (i - 1) + "]", sources.get(i).toString());
            }
            out.put("audit.file", recorder.audit().file().toAbsolutePath().toString());
            if (signing.keyFile() != null) {
                out.put("signing.key_file", signing.keyFile().toAbsolutePath().toString());
            }
            return out;
        }

        /** check-config's analysis of the policy (counts, duplicates, overlaps), or null without a policy file. */
        public PolicyReport policyReport() throws PolicyException {
            if (policySettings.example()) {
                return PolicyLoader.checkEmbedded();
            }
            return policySettings.file() == null ? null : PolicyLoader.check(policySettings.file());
        }

        /** The policy's summary line. */
        public String policySummary() {
            return policy.current().summary();
        }
    }

    private final List<AutoCloseable> resources;
    private final CallScreener screener;
    private final Metrics metrics;
    private final ReloadingPolicy policy;
    private final Verifier verifier;
    private final OutboundSigner signer;
    private final Path configFile;
    private final Reloader reloader;
    private final ReadinessCheck readiness;
    private final DecisionRecorder recorder;
    private final DecisionRecorder.Settings recorderSettings;
    private final Thread tlsWarmUp;

    private StirShieldService(List<AutoCloseable> resources, CallScreener screener, Metrics metrics,
            ReloadingPolicy policy, Verifier verifier, OutboundSigner signer, Path configFile, Reloader reloader,
            ReadinessCheck readiness, DecisionRecorder recorder, DecisionRecorder.Settings recorderSettings,
            Thread tlsWarmUp) {
        this.recorder = recorder;
        this.recorderSettings = recorderSettings;
        this.tlsWarmUp = tlsWarmUp;
        this.resources = resources;
        this.screener = screener;
        this.metrics = metrics;
        this.policy = policy;
        this.verifier = verifier;
        this.signer = signer;
        this.configFile = configFile;
        this.reloader = reloader;
        this.readiness = readiness;
    }

    /**
     * Reads and checks the whole configuration without starting anything (see {@link Prepared}). Every error
     * is an {@link IllegalArgumentException} saying which file (absolute path), which line or key, and why.
     */
    public static Prepared prepare(Options o) {
        JsonNode root = o.config();
        try {
            VerifierSettings vs = VerifierSettings.from(ConfigValues.section(root, "verification"));
            FetchSettings fs = FetchSettings.from(ConfigValues.section(root, "certificates"));
            if (fs.tlsCaFile() != null && !Files.isReadable(fs.tlsCaFile())) {
                throw new IllegalArgumentException("certificates.tls_ca_file: " + fs.tlsCaFile().toAbsolutePath()
                        + ": cannot read: " + (Files.exists(fs.tlsCaFile()) ? "permission denied" : "no such file"));
            }
            if (fs.cache().dir() != null) {
                Writable.directory("certificates.cache.dir", fs.cache().dir(), true);
            }
            DecisionRecorder.Settings rs = DecisionRecorder.Settings.from(root, o.auditFile(), o.metricsListen(),
                    new ReplayWindow(vs.freshness(), vs.futureSkew()));
            LogFormat.from(root); // checked here for check-config; serve applies it as soon as it has read the file
            Writable.fileIn(o.auditFile() != null ? "--audit" : "audit.file", rs.audit().file());
            OutboundSigner.Settings signing = OutboundSigner.Settings.from(ConfigValues.section(root, "signing"));
            OutboundSigner signer = OutboundSigner.load(signing, vs.canonicalizer());
            PolicySettings ps = PolicySettings.from(ConfigValues.section(root, "policy"));
            TrustMaterial trust = TrustMaterial.load(vs.trustDir(), vs.crlFiles(), fs.pinned());
            ReloadingPolicy policy;
            try {
                policy = ReloadingPolicy.open(ps); // not started: holds nothing until start()
            } catch (PolicyException e) {
                throw new ConfigException(e.file(), e.line(), (e.reason().startsWith("policy") ? "" : "policy: ")
                        + e.reason());
            }
            return new Prepared(o, vs, fs, trust, ps, policy, rs, signing, signer,
                    Verifier.passportCacheEntries(ConfigValues.section(root, "verification")));
        } catch (IOException e) {
            throw ConfigValues.locate(root, new IllegalArgumentException(e.getMessage(), e));
        } catch (IllegalArgumentException e) {
            throw ConfigValues.locate(root, e);
        }
    }

    /**
     * Builds and starts everything. A configuration error (bad key, unreadable trust directory, invalid
     * policy file) is an {@link IllegalArgumentException} or {@link IOException} naming what is wrong;
     * whatever was already started is closed again.
     */
    public static StirShieldService start(Options o) throws IOException {
        return start(prepare(o));
    }

    /**
     * Starts the service {@link #prepare} checked: {@link #open}, then its metrics endpoint.
     */
    public static StirShieldService start(Prepared p) throws IOException {
        StirShieldService s = open(p);
        try {
            s.startEndpoint();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Builds everything that decides calls (the screener can be used when this returns) without the metrics
     * endpoint: {@code serve} starts {@link #startEndpoint()}, then the FastAGI listener.
     */
    public static StirShieldService open(Prepared p) throws IOException {
        VerifierSettings vs = p.verification;
        FetchSettings fs = p.certificates;
        List<AutoCloseable> started = new ArrayList<>();
        try {
            // Audit log, replay detection and metrics; closed last, so every decision is on record.
            DecisionRecorder recorder = DecisionRecorder.open(p.recorder);
            started.add(recorder);
            recorder.auditLog().closeOnShutdownByOwner(); // close() drains it after the calls in flight
            Metrics metrics = recorder.metrics();

            for (String problem : p.strictProblems()) {
                LOG.warn("{}", problem);
            }
            for (String warning : p.warnings()) {
                LOG.warn("{}", warning);
            }
            if (p.policySettings.file() == null && !p.policySettings.example()) {
                metrics.healthWarning("policy", p.policySettings.describe());
            }
            // CRT-05: CRLs given in verification.crl_files first, else each certificate's CRL Distribution Point.
            HttpCrlSource crls = CertificateSources.crls(fs, null, metrics.certificates());
            started.add(crls);
            CachedCertificateSource certificates = CertificateSources.production(fs,
                    validator(p.trust, crls, fs), metrics.certificates(), p.trust.pinned());
            started.add(certificates);
            // read at each scrape: an expired root or pinned certificate silently fails every call it signs for
            metrics.bindCertificateExpiry("trust_anchor", certificates::trustAnchorsNotAfter);
            metrics.bindCertificateExpiry("pinned", certificates::pinnedNotAfter);
            metrics.bindCertificateExpiry("signer", certificates::cachedNotAfter);
            // RCD-01: content that rcdi digests cover, through the same guarded fetcher settings (https only).
            CachedContentSource content = CertificateSources.content(fs, vs.rcdMaxBytes(), vs.rcdCacheBytes(),
                    metrics.certificates());
            started.add(content);
            Verifier verifier = Verifier.create(vs, certificates, content, p.passportCacheEntries);
            // the TLS trust store and client code, off the main thread but started now: the first calls after a
            // restart may need a fetch, and a cold TLS set-up on a busy machine takes longer than their deadline
            Thread tlsWarmUp = Thread.ofPlatform().name("stirshield-tls-warm-up").daemon().start(certificates::warmUp);

            ReloadingPolicy policy = p.policy;
            started.add(policy);
            metrics.policyReloaded(true); // the initial load (open() refuses an invalid file)
            policy.addListener((ok, detail) -> metrics.policyReloaded(ok));
            policy.start();

            ReadinessCheck readiness = new ReadinessCheck(policy, () -> certificates.trustAnchors().size(),
                    p.trust.trustDir().toString(), recorder.replay(), recorder.auditLog()::degraded,
                    certificates::fetchProblem);
            metrics.bindHealth(readiness);
            LOG.info("verification ready: {} trust anchor(s) from {}, region {}, ES256 via {}, policy {}, audit {},"
                    + " replay {}", p.trust.anchors().size(), p.trust.trustDir(), vs.region(), verifier.cryptoProvider(),
                    policy.current().summary(), recorder.auditLog().settings().file().toAbsolutePath(),
                    recorder.replay().describe());
            CallScreener screener = new ScreeningPipeline(verifier, policy, recorder, Clock.systemUTC());
            Path configFile = p.options.configFile();
            metrics.trustLoaded();
            Reloader reloader = configFile == null ? null
                    : new Reloader(configFile, p.options.config(), certificates, crls, fs, (ok, why) -> {
                        metrics.trustReloaded(ok, why);
                        readiness.trustReloaded(ok, why);
                    });
            if (reloader != null) {
                started.add(reloader);
                reloader.listen();
            }
            return new StirShieldService(List.copyOf(started), screener, metrics, policy, verifier, p.signer,
                    configFile, reloader, readiness, recorder, p.recorder, tlsWarmUp);
        } catch (IOException | RuntimeException e) {
            closeAll(started);
            throw e;
        }
    }

    /**
     * Starts the metrics and health endpoint ({@code metrics:}; no-op when disabled).
     *
     * @throws IOException when its address cannot be bound (the message names {@code metrics.listen})
     */
    public void startEndpoint() throws IOException {
        recorder.startEndpoint(recorderSettings);
    }

    /** Waits (at most {@code timeout}) until the TLS warm-up that {@link #open} started has finished. */
    public void awaitTlsWarmUp(java.time.Duration timeout) throws InterruptedException {
        tlsWarmUp.join(timeout);
    }

    /** The validator for a trust set: its anchors, its CRL files first, else the CRL Distribution Points. */
    static CredentialValidator validator(TrustMaterial trust, HttpCrlSource crls, FetchSettings fs) {
        return new CredentialValidator(trust.anchors(), CrlSource.firstOf(trust.crls(), crls),
                CertificateSources.revocationMode(fs));
    }

    /**
     * Reloads what a SIGHUP reloads besides the policy: re-reads the configuration file and swaps in its trust
     * anchors, CRL files and pinned certificates as one set, or keeps the old set when anything is invalid.
     * Returns whether the new set is in force (false without a configuration file).
     */
    public boolean reloadTrust() {
        return reloader != null && reloader.reload();
    }

    /** The per-call pipeline (thread-safe). */
    public CallScreener screener() {
        return screener;
    }

    public Metrics metrics() {
        return metrics;
    }

    public ReloadingPolicy policy() {
        return policy;
    }

    public Verifier verifier() {
        return verifier;
    }

    /**
     * The SIGTERM drain begins: from now on {@code /health/ready} answers 503 ({@code draining}), so load
     * balancers and orchestrators send new calls elsewhere. Call it before stopping the FastAGI listener.
     */
    public void startDrain() {
        readiness.drain();
    }

    /** What {@code /health/ready} answers now. */
    public HealthCheck.Readiness readiness() {
        return readiness.check();
    }

    /** The outbound signer of the {@code signing:} section, or null when signing is not configured. */
    public OutboundSigner signer() {
        return signer;
    }

    /**
     * Stops policy watching and fetchers, drains the audit log (every record written) and stops metrics.
     * The owner must call this (serve does, from its shutdown hook, after draining calls in flight).
     */
    @Override
    public void close() {
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        // Reverse start order: the audit log (started last) drains first, metrics (started first) stop last.
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("error closing {}: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
    }
}
