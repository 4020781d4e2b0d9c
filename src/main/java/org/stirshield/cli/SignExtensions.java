package org.stirshield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.RcdClaims;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of {@code sign} for the other PASSporT types: div (RFC 8946, a forwarded call) and Rich Call
 * Data (RFC 9795: {@code rcd} claims in the SHAKEN PASSporT or in a separate {@code ppt=rcd} PASSporT,
 * with {@code rcdi} digests). Without any of them {@code sign} makes the SHAKEN PASSporT it always made.
 */
final class SignExtensions {
    /** Largest file read for an rcdi digest or a jCard. */
    static final long MAX_FILE = 16L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--ppt", paramLabel = "TYPE",
            description = "PASSporT type: shaken (default), div (with --div) or rcd (a separate Rich Call Data PASSporT)")
    String ppt;

    @Option(names = "--div", paramLabel = "TN",
            description = "make a div PASSporT (RFC 8946): the number the call was diverted from; --dest is the new "
                    + "target, --orig the original caller, --origid the original PASSporT's origid")
    String div;

    @Option(names = "--rcd-name", paramLabel = "NAME", description = "Rich Call Data display name (rcd nam, RFC 9795)")
    String name;

    @Option(names = "--rcd-icon", paramLabel = "URL", description = "https URL of an icon (rcd icn)")
    String icon;

    @Option(names = "--rcd-jcl", paramLabel = "URL", description = "https URL of a jCard (rcd jcl)")
    String jcl;

    @Option(names = "--rcd-jcd", paramLabel = "FILE", description = "a jCard (JSON array) to put inline (rcd jcd)")
    Path jcd;

    @Option(names = "--crn", paramLabel = "TEXT", description = "the call reason (crn, RFC 9795)")
    String crn;

    @Option(names = "--rcdi", paramLabel = "POINTER[=FILE]",
            description = "add an rcdi digest: POINTER=FILE for content served at the URL the JSON pointer names "
                    + "(e.g. /icn=logo.png, /jcl=card.json, /jcl/1/3/3=logo.png), POINTER alone for the JSON value "
                    + "itself (e.g. /jcd); repeatable")
    List<String> rcdi = new ArrayList<>();

    /** The type to sign, after checking that the options fit it. */
    private String type() {
        String t = ppt == null ? (div != null ? "div" : "shaken") : ppt.strip().toLowerCase(Locale.ROOT);
        boolean rcd = name != null || icon != null || jcl != null || jcd != null || crn != null || !rcdi.isEmpty();
        switch (t) {
            case "shaken" -> {
                if (div != null) {
                    throw usage("--div makes a div PASSporT: drop --ppt shaken");
                }
            }
            case "div" -> {
                if (div == null) {
                    throw usage("--ppt div needs --div TN (the number the call was diverted from, RFC 8946 §3)");
                }
                if (rcd) {
                    throw usage("a div PASSporT carries no Rich Call Data: sign it with --ppt shaken or --ppt rcd");
                }
            }
            case "rcd" -> {
                if (div != null || !rcd) {
                    throw usage("--ppt rcd needs Rich Call Data (--rcd-name, --rcd-icon, --rcd-jcl, --rcd-jcd, --crn) and no --div");
                }
            }
            default -> throw usage("--ppt '" + ppt + "': shaken, div or rcd");
        }
        return t;
    }

    /** The Rich Call Data the options describe. */
    private RcdClaims rcd() {
        RcdClaims r;
        try {
            r = RcdClaims.none().withName(name).withIcon(icon).withJcl(jcl).withCallReason(crn);
            if (jcd != null) {
                JsonNode card = JSON.readTree(read("--rcd-jcd", jcd));
                r = r.withJcd(card);
            }
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        } catch (IOException e) {
            throw usage("--rcd-jcd " + jcd.toAbsolutePath().normalize() + ": not JSON: " + e.getMessage());
        }
        if (!rcdi.isEmpty() && !r.hasRcd()) {
            throw usage("--rcdi needs an rcd claim to point into (--rcd-name, --rcd-icon, --rcd-jcl or --rcd-jcd)");
        }
        for (String spec : rcdi) {
            int eq = spec.indexOf('=');
            String pointer = eq < 0 ? spec : spec.substring(0, eq);
            try {
                r = eq < 0 ? r.withValueDigest(pointer) : r.withDigest(pointer, read("--rcdi " + pointer + "=", Path.of(spec.substring(eq + 1))));
            } catch (IllegalArgumentException e) {
                throw usage("--rcdi " + spec + ": " + e.getMessage());
            }
        }
        return r;
    }

    /** Signs the PASSporT the options ask for and returns its Identity header value. */
    String identity(PrivateKey key, String x5u, String attest, String orig, List<String> dest, long iat, String origid) {
        String type = type();
        return switch (type) {
            case "div" -> PassportSigner.identityHeader(PassportSigner.div(key, x5u, orig, dest, SignCommand.tn(spec.commandLine(), "--div", div), iat,
                    origid), x5u, "div");
            case "rcd" -> PassportSigner.identityHeader(PassportSigner.rcd(key, x5u, orig, dest, iat, rcd()), x5u, "rcd");
            default -> PassportSigner.identityHeader(PassportSigner.shaken(key, x5u, attest, orig, dest, iat, origid,
                    rcd()), x5u);
        };
    }

    private byte[] read(String option, Path file) {
        Path abs = Main.readableFile(option, file);
        try {
            if (Files.size(abs) > MAX_FILE) {
                throw new Main.FileError(option, abs, "larger than " + MAX_FILE + " bytes");
            }
            return Files.readAllBytes(abs);
        } catch (IOException e) {
            throw new Main.FileError(option, abs, e);
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
