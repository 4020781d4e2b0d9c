package org.stirshield.cert;

import java.net.InetAddress;
import java.util.Locale;

/** An IPv4 or IPv6 address block ({@code 10.0.0.0/8}, {@code fc00::/7}); a bare address is a /32 or /128. */
record Cidr(byte[] network, int prefix, String text) {

    /**
     * Parses {@code text}. Only IP literals are accepted (never a host name: parsing must not touch
     * DNS).
     */
    static Cidr parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = literal(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("not a CIDR block (IP literal required): " + text);
        }
        int max = bytes.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in CIDR block: " + text);
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("bad prefix length in CIDR block: " + text);
        }
        return new Cidr(mask(bytes, prefix), prefix, t);
    }

    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (address[full] & m) == (network[full] & m);
    }

    boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    @Override
    public String toString() {
        return text;
    }

    /** The bytes of an IPv4 dotted-quad or IPv6 literal, or null; never resolves a name. */
    static byte[] literal(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf(':') >= 0) {
            // IPv6 literal: InetAddress.ofLiteral (JDK 22) is not in our 21 baseline; getByName on a
            // string containing ':' is parsed as a literal and never resolved.
            if (!s.matches("[0-9a-f:.]+")) {
                return null;
            }
            try {
                byte[] b = InetAddress.getByName(s).getAddress();
                if (b.length == 4) { // ::ffff:a.b.c.d is returned as IPv4 by the JDK; keep the v6 form
                    byte[] v6 = new byte[16];
                    v6[10] = (byte) 0xff;
                    v6[11] = (byte) 0xff;
                    System.arraycopy(b, 0, v6, 12, 4);
                    return v6;
                }
                return b;
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            int m = bitsHere == 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
            out[i] = (byte) (out[i] & m);
        }
        return out;
    }
}
