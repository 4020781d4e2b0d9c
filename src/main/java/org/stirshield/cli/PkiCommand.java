package org.stirshield.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.Pem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stirshield demo-pki}: a lab STI PKI (root, intermediate, SHAKEN leaf with TNAuthList) for trying
 * StirShield without a real STI-CA. Never trust its root in production.
 */
@Command(name = "demo-pki", mixinStandardHelpOptions = true,
        description = "Create a demo STI PKI: trust/root.pem, sp-chain.pem (leaf + intermediate), sp-key.pem; a forwarding "
                + "carrier for div PASSporTs (fwd-chain.pem, fwd-key.pem); sample Rich Call Data content (rcd/).")
final class PkiCommand implements Callable<Integer> {

    @Option(names = "--dir", defaultValue = "demo-pki", description = "output directory (default ./demo-pki)")
    Path dir;

    @Option(names = "--spc", defaultValue = "1234", description = "service provider code in the TNAuthList")
    String spc;

    @Option(names = "--tn", split = ",", description = "telephone numbers to put in the TNAuthList as well")
    List<String> tns;

    @Option(names = "--forwarder-spc", defaultValue = "5678",
            description = "SPC of the forwarding carrier whose certificate signs div PASSporTs (default ${DEFAULT-VALUE})")
    String forwarderSpc;

    @Option(names = "--forwarder-tn", split = ",", description = "numbers the forwarding carrier may divert from "
            + "(its TNAuthList; RFC 8946 div.tn must be covered). Without them its certificate is SPC-only.")
    List<String> forwarderTns;

    @Option(names = "--rcd-name", defaultValue = "Demo Agency",
            description = "display name in the sample jCard (rcd/card.json; default ${DEFAULT-VALUE})")
    String rcdName;

    @Option(names = "--rcd-url", defaultValue = "https://rcd.demo-carrier.example/",
            description = "where rcd/ will be served: the jCard's logo URL is this + logo.png (default ${DEFAULT-VALUE})")
    String rcdUrl;

    @Override
    public Integer call() throws IOException {
        CertificateAuthority root = CertificateAuthority.root("StirShield Demo STI-CA Root (NOT FOR PRODUCTION)");
        CertificateAuthority inter = root.intermediate("StirShield Demo STI-CA Issuing");
        LeafSpec spec = LeafSpec.spc(spc);
        if (tns != null && !tns.isEmpty()) {
            spec = spec.withNumbers(tns.stream().map(t -> t.startsWith("+") ? t.substring(1) : t).toArray(String[]::new));
        }
        LeafCertificate leaf = inter.issueLeaf(spec);
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("sp-chain.pem"), leaf.chainPem());
        Path key = dir.resolve("sp-key.pem");
        Files.writeString(key, Pem.privateKey(leaf.privateKey()));
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        System.out.println("trust anchor: " + dir.resolve("trust/root.pem"));
        System.out.println("x5u chain:    " + dir.resolve("sp-chain.pem") + "  (SPC " + spc + ")");
        System.out.println("signing key:  " + key);

        // A forwarding carrier (RFC 8946 div PASSporTs) and sample Rich Call Data content (RFC 9795 rcdi).
        LeafSpec fwd = LeafSpec.spc(forwarderSpc);
        if (forwarderTns != null && !forwarderTns.isEmpty()) {
            fwd = fwd.withNumbers(forwarderTns.stream().map(t -> t.startsWith("+") ? t.substring(1) : t).toArray(String[]::new));
        }
        LeafCertificate forwarder = inter.issueLeaf(fwd);
        Files.writeString(dir.resolve("fwd-chain.pem"), forwarder.chainPem());
        Path fwdKey = dir.resolve("fwd-key.pem");
        Files.writeString(fwdKey, Pem.privateKey(forwarder.privateKey()));
        ownerOnly(fwdKey);
        Path rcd = Files.createDirectories(dir.resolve("rcd"));
        Files.write(rcd.resolve("logo.png"), logo());
        String base = rcdUrl.endsWith("/") ? rcdUrl : rcdUrl + "/";
        Files.writeString(rcd.resolve("card.json"), jcard(rcdName, base + "logo.png"));
        System.out.println("div chain:    " + dir.resolve("fwd-chain.pem") + "  (forwarding carrier, SPC " + forwarderSpc + ")");
        System.out.println("div key:      " + fwdKey);
        System.out.println("rcd content:  " + rcd + "  (card.json, logo.png, to serve at " + base + ")");
        return 0;
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    /** A 64×64 PNG logo (for an rcd icn or a jCard logo). */
    static byte[] logo() throws IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (x / 8 + y / 8) % 2 == 0 ? 0x1f4e79 : 0xffffff);
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** A jCard (RFC 7095) with a formatted name and a logo URI: what an rcd jcl points at. */
    static String jcard(String name, String logoUrl) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ArrayNode card = json.createArrayNode().add("vcard");
        com.fasterxml.jackson.databind.node.ArrayNode props = card.addArray();
        props.addArray().add("version").add(json.createObjectNode()).add("text").add("4.0");
        props.addArray().add("fn").add(json.createObjectNode()).add("text").add(name);
        props.addArray().add("logo").add(json.createObjectNode()).add("uri").add(logoUrl);
        return card.toString();
    }
}
