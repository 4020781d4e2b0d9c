package org.stirshield.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.stirshield.sign.KeyFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stirshield sign}: the authentication side, for labs and tests: prints a SIP Identity header value.
 * Every input is checked first (telephone numbers, attestation, an https x5u, an EC P-256 key); a bad one
 * exits 2 with one line saying which and why.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Sign a SHAKEN PASSporT (RFC 8588), optionally with Rich Call Data (RFC 9795), a div PASSporT "
                + "(RFC 8946) or an rcd PASSporT, and print the SIP Identity header value.")
final class SignCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--key", required = true, description = "PEM private key (EC P-256) of the signing certificate")
    Path key;

    @Option(names = "--x5u", required = true, description = "https URL where the certificate chain is published")
    String x5u;

    @Option(names = "--orig", required = true, description = "calling TN, E.164 (e.g. +861012308 or 861012308)")
    String orig;

    @Option(names = "--dest", required = true, split = ",", description = "called TN(s), E.164")
    List<String> dest;

    @Option(names = "--attest", defaultValue = "A", description = "attestation: A, B or C (default A)")
    String attest;

    @Option(names = "--iat", description = "issued-at, epoch seconds (default now)")
    Long iat;

    @Option(names = "--origid", description = "origination identifier (default a random UUID)")
    String origid;

    @CommandLine.Mixin
    SignExtensions extensions;

    @Override
    public Integer call() throws IOException {
        String origTn = tn("--orig", orig);
        List<String> destTns = new ArrayList<>();
        for (String d : dest) {
            destTns.add(tn("--dest", d));
        }
        String level = attest.strip().toUpperCase(Locale.ROOT);
        if (!List.of("A", "B", "C").contains(level)) {
            throw usage("--attest '" + attest + "': the attestation level is A, B or C (RFC 8588 §4)");
        }
        checkX5u(x5u);
        if (iat != null && iat < 0) {
            throw usage("--iat " + iat + ": epoch seconds cannot be negative");
        }
        PrivateKey pk = KeyFiles.readP256(key, "--key");
        long issuedAt = iat != null ? iat : Instant.now().getEpochSecond();
        System.out.println(extensions.identity(pk, x5u, level, origTn, destTns, issuedAt, origid));
        return 0;
    }

    /** The canonical TN (digits) of an E.164 number given with or without '+', spaces, dashes or dots. */
    private String tn(String option, String value) {
        return tn(spec.commandLine(), option, value);
    }

    /** {@link #tn(String, String)} for the options of a mixin ({@link SignExtensions}). */
    static String tn(CommandLine cl, String option, String value) {
        String t = value.strip();
        String digits = (t.startsWith("+") ? t.substring(1) : t).replaceAll("[ .\\-]", "");
        if (!digits.matches("[0-9]{1,15}")) {
            throw new CommandLine.ParameterException(cl, option + " '" + value
                    + "': not a telephone number (E.164: up to 15 digits, e.g. +12025550123)");
        }
        return digits;
    }

    /** x5u must be an https URL a verifier could fetch (RFC 8225 §5, ATIS-1000080): host, no userinfo/fragment. */
    private void checkX5u(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw usage("--x5u '" + url + "': not a URL (" + e.getReason() + ")");
        }
        if (!"https".equalsIgnoreCase(u.getScheme())) {
            throw usage("--x5u '" + url + "': must be an https URL (verifiers fetch x5u over HTTPS only)");
        }
        if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null) {
            throw usage("--x5u '" + url + "': must be https://HOST/PATH without user info or fragment");
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
