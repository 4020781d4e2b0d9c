package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CRT-01 SSRF guard: which resolved addresses may be connected to (no I/O: addresses from literals). */
class AddressGuardTest {
    private static final AddressGuard DEFAULT = new AddressGuard(List.of(), List.of());

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByAddress(Cidr.literal(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254", "127.0.0.1",
        "127.1.2.3", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1",
        "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
        "239.255.255.250", "240.0.0.1", "255.255.255.255",
        "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "ff02::1", "2001:db8::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped
        "::10.0.0.1", "::8.8.8.8",                                       // IPv4-compatible (deprecated)
        "2002:a00:1::", "2002:7f00:1::1", "2002:c0a8:101::",             // 6to4 of 10.0.0.1, 127.0.0.1, 192.168.1.1
        "64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b:1::1",             // NAT64
        "2001::1", "100::1"})
    void specialPurposeAddressesAreRefusedByDefault(String address) throws Exception {
        AddressGuard.Decision d = DEFAULT.check(ip(address));
        assertFalse(d.allowed(), address + " allowed: " + d.rule());
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
        "192.169.0.1", "198.20.0.1", "223.255.255.255", "2606:4700::1111", "2a00:1450::1",
        "::ffff:8.8.8.8", "2002:808:808::", "64:ff9b::808:808"})
    void globalUnicastIsAllowed(String address) throws Exception {
        assertTrue(DEFAULT.check(ip(address)).allowed(), address);
    }

    @Test
    void permitListOpensLoopbackForLabsAndDenyWins() throws Exception {
        AddressGuard g = new AddressGuard(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("10.1.0.0/16")),
                List.of(Cidr.parse("10.1.2.0/24"), Cidr.parse("8.8.8.8")));
        assertTrue(g.check(ip("127.0.0.1")).allowed());
        assertTrue(g.check(ip("::ffff:127.0.0.1")).allowed(), "mapped form of a permitted address");
        assertTrue(g.check(ip("10.1.9.9")).allowed());
        assertFalse(g.check(ip("10.1.2.3")).allowed(), "deny wins over permit");
        assertFalse(g.check(ip("::ffff:10.1.2.3")).allowed(), "deny applies to the embedded address too");
        assertFalse(g.check(ip("8.8.8.8")).allowed(), "deny applies to global addresses");
        assertFalse(g.check(ip("10.2.0.1")).allowed());
        assertFalse(g.check(ip("::1")).allowed(), "permitting 127/8 does not permit ::1");
    }

    @Test
    void cidrParsingNeverResolvesNames() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("localhost/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0/8"));
        assertEquals("fc00::/7", Cidr.parse("FC00::/7").toString());
        assertTrue(Cidr.parse("172.16.0.0/12").contains(Cidr.literal("172.20.1.1")));
        assertFalse(Cidr.parse("172.16.0.0/12").contains(Cidr.literal("172.32.0.0")));
    }
}
