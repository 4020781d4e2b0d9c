package org.stirshield.cert;

import java.net.InetAddress;
import java.util.List;

/**
 * The SSRF guard (CRT-01): decides whether an address a certificate or CRL URL resolved to may be
 * connected to. Order: a {@code deny_cidrs} match refuses; else a {@code permit_cidrs} match allows;
 * else any special-purpose address (loopback, RFC 1918, the RFC 6890 registries, multicast, reserved,
 * and IPv6 forms that embed an IPv4 address: IPv4-mapped, IPv4-compatible, 6to4, NAT64) is refused;
 * everything else (globally routable unicast) is allowed. Deny always wins over permit.
 */
final class AddressGuard {

    /** IPv4 blocks never reachable from a verifier unless permitted (RFC 6890 + RFC 1918 + RFC 5737 …). */
    private static final List<Cidr> SPECIAL_V4 = cidrs(
            "0.0.0.0/8",          // "this network" (RFC 791/1122)
            "10.0.0.0/8",         // private (RFC 1918)
            "100.64.0.0/10",      // shared address space, carrier-grade NAT (RFC 6598)
            "127.0.0.0/8",        // loopback (RFC 1122)
            "169.254.0.0/16",     // link local, incl. cloud metadata 169.254.169.254 (RFC 3927)
            "172.16.0.0/12",      // private (RFC 1918)
            "192.0.0.0/24",       // IETF protocol assignments (RFC 6890)
            "192.0.2.0/24",       // TEST-NET-1 (RFC 5737)
            "192.31.196.0/24",    // AS112-v4 (RFC 7535)
            "192.52.193.0/24",    // AMT (RFC 7450)
            "192.88.99.0/24",     // deprecated 6to4 relay anycast (RFC 7526)
            "192.168.0.0/16",     // private (RFC 1918)
            "192.175.48.0/24",    // direct delegation AS112 (RFC 7534)
            "198.18.0.0/15",      // benchmarking (RFC 2544)
            "198.51.100.0/24",    // TEST-NET-2 (RFC 5737)
            "203.0.113.0/24",     // TEST-NET-3 (RFC 5737)
            "224.0.0.0/4",        // multicast (RFC 5771)
            "240.0.0.0/4");       // reserved (RFC 1112), incl. limited broadcast 255.255.255.255

    private static final List<Cidr> SPECIAL_V6 = cidrs(
            "::/128",             // unspecified
            "::1/128",            // loopback
            "::/96",              // deprecated IPv4-compatible (RFC 4291 §2.5.5.1)
            "64:ff9b:1::/48",     // local-use NAT64 (RFC 8215)
            "100::/64",           // discard-only (RFC 6666)
            "2001::/23",          // IETF protocol assignments incl. Teredo 2001::/32 (RFC 6890)
            "2001:db8::/32",      // documentation (RFC 3849)
            "3fff::/20",          // documentation (RFC 9637)
            "5f00::/16",          // SRv6 SIDs (RFC 9602)
            "fc00::/7",           // unique local (RFC 4193)
            "fe80::/10",          // link local (RFC 4291)
            "fec0::/10",          // deprecated site local (RFC 3879)
            "ff00::/8");          // multicast (RFC 4291)

    private static final Cidr MAPPED = Cidr.parse("::ffff:0:0/96");   // IPv4-mapped (RFC 4291 §2.5.5.2)
    private static final Cidr COMPAT = Cidr.parse("::/96");           // IPv4-compatible (deprecated)
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");  // 6to4 (RFC 3056): bytes 2..5
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");     // well-known NAT64 prefix (RFC 6052)

    private final List<Cidr> permit;
    private final List<Cidr> deny;

    AddressGuard(List<Cidr> permit, List<Cidr> deny) {
        this.permit = List.copyOf(permit);
        this.deny = List.copyOf(deny);
    }

    /** The outcome of one check, for the decision log. */
    record Decision(InetAddress address, boolean allowed, String rule) {
    }

    Decision check(InetAddress address) {
        byte[] raw = address.getAddress();
        byte[] embedded = embeddedV4(raw);
        for (Cidr c : deny) {
            if (c.contains(raw) || (embedded != null && c.contains(embedded))) {
                return new Decision(address, false, "deny_cidrs " + c);
            }
        }
        for (Cidr c : permit) {
            if (c.contains(raw) || (embedded != null && c.contains(embedded))) {
                return new Decision(address, true, "permit_cidrs " + c);
            }
        }
        if (embedded != null) {
            // ::ffff:10.0.0.1, 2002:0a00:0001::, 64:ff9b::a00:1 … reach the embedded IPv4 host.
            Cidr hit = first(SPECIAL_V4, embedded);
            if (hit != null) {
                return new Decision(address, false, "special " + hit + " (embedded in IPv6)");
            }
            if (COMPAT.contains(raw) && !MAPPED.contains(raw)) {
                return new Decision(address, false, "special ::/96 (IPv4-compatible)");
            }
            return new Decision(address, true, "global");
        }
        Cidr hit = first(raw.length == 4 ? SPECIAL_V4 : SPECIAL_V6, raw);
        if (hit != null) {
            return new Decision(address, false, "special " + hit);
        }
        return new Decision(address, true, "global");
    }

    /** The IPv4 address an IPv6 address embeds (mapped, compatible, 6to4, NAT64), or null. */
    static byte[] embeddedV4(byte[] raw) {
        if (raw.length != 16) {
            return null;
        }
        if (MAPPED.contains(raw) || COMPAT.contains(raw) || NAT64.contains(raw)) {
            return java.util.Arrays.copyOfRange(raw, 12, 16);
        }
        if (SIX_TO_FOUR.contains(raw)) {
            return java.util.Arrays.copyOfRange(raw, 2, 6);
        }
        return null;
    }

    private static Cidr first(List<Cidr> list, byte[] raw) {
        for (Cidr c : list) {
            if (c.contains(raw)) {
                return c;
            }
        }
        return null;
    }

    private static List<Cidr> cidrs(String... s) {
        return java.util.Arrays.stream(s).map(Cidr::parse).toList();
    }
}
