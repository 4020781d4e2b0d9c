package org.stirshield.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.stirshield.agi.ServerSettings;

/**
 * The FastAGI servers {@code ./stirshield call} tries, in order, the way Asterisk does: {@code HOST:PORT} or
 * {@code agi://HOST[:PORT][/script]} is one server; {@code hagi://NAME[/script]} is every target of the DNS SRV
 * records {@code _agi._tcp.NAME}, lowest priority first, weighted at random within a priority (RFC 2782), each
 * target's addresses in the order the resolver gives them. SRV and the targets' A/AAAA records come from the
 * system's resolvers, or from one DNS server ({@code --dns HOST[:PORT]}), through the JDK's DNS provider.
 */
final class AgiTargets {
    static final int DEFAULT_PORT = 4573;

    /** One address to connect to, and the script to ask for there. */
    record Target(InetSocketAddress address, String script, String request) {
        @Override
        public String toString() {
            return org.stirshield.agi.AgiClient.hostPort(address);
        }
    }

    private AgiTargets() {
    }

    /**
     * Every target of {@code servers}, in the order to try them.
     *
     * @param defaultScript the script when a value names none
     * @param dns a DNS server {@code HOST[:PORT]} for SRV and target lookups, or null for the system's
     * @throws IOException naming the value that cannot be resolved
     */
    static List<Target> resolve(List<String> servers, String defaultScript, String dns) throws IOException {
        List<Target> out = new ArrayList<>();
        for (String s : servers) {
            out.addAll(resolve(s.trim(), defaultScript, dns));
        }
        return out;
    }

    private static List<Target> resolve(String value, String defaultScript, String dns) throws IOException {
        String lower = value.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("agi://") && !lower.startsWith("hagi://")) {
            InetSocketAddress a = ServerSettings.parseListen(value);
            return List.of(new Target(a, defaultScript, "agi://" + value + "/" + defaultScript));
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--server: not a URL: " + value);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("--server: no host in " + value);
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        String script = path.isEmpty() ? defaultScript : path;
        if (lower.startsWith("agi://")) {
            int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
            List<Target> out = new ArrayList<>();
            for (InetSocketAddress a : addresses(uri.getHost(), port, dns)) {
                out.add(new Target(a, script, value));
            }
            return out;
        }
        if (uri.getPort() >= 0) {
            throw new IllegalArgumentException("--server: hagi:// names a DNS name, not a port (the SRV records give"
                    + " the ports): " + value);
        }
        List<Target> out = new ArrayList<>();
        for (Srv srv : srv(uri.getHost(), dns)) {
            for (InetSocketAddress a : addresses(srv.target(), srv.port(), dns)) {
                out.add(new Target(a, script, value));
            }
        }
        return out;
    }

    /** One SRV record. */
    record Srv(int priority, int weight, int port, String target) {
    }

    /** {@code _agi._tcp.NAME}'s records in the order to try them (RFC 2782). */
    static List<Srv> srv(String name, String dns) throws IOException {
        String query = "_agi._tcp." + name;
        List<Srv> records = new ArrayList<>();
        for (String rr : lookup(query, "SRV", dns)) {
            String[] f = rr.trim().split("\\s+");
            if (f.length != 4) {
                throw new IOException("DNS: malformed SRV record for " + query + ": " + rr);
            }
            String target = f[3].endsWith(".") ? f[3].substring(0, f[3].length() - 1) : f[3];
            if (target.isEmpty()) {
                throw new IOException("DNS: " + query + " says the service is not available here (target \".\")");
            }
            records.add(new Srv(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), target));
        }
        if (records.isEmpty()) {
            throw new IOException("DNS: no SRV records for " + query + where(dns));
        }
        return order(records);
    }

    /** RFC 2782: ascending priority; within one priority a weighted random order (weight 0 rarely first). */
    static List<Srv> order(List<Srv> records) {
        List<Srv> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingInt(Srv::priority));
        List<Srv> out = new ArrayList<>();
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j < sorted.size() && sorted.get(j).priority() == sorted.get(i).priority()) {
                j++;
            }
            List<Srv> group = new ArrayList<>(sorted.subList(i, j));
            group.sort(Comparator.comparingInt(Srv::weight)); // weight 0 first, as the RFC's selection expects
            while (!group.isEmpty()) {
                int total = group.stream().mapToInt(Srv::weight).sum();
                int pick = total == 0 ? 0 : ThreadLocalRandom.current().nextInt(total + 1);
                int run = 0;
                int k = 0;
                for (; k < group.size(); k++) {
                    run += group.get(k).weight();
                    if (run >= pick) {
                        break;
                    }
                }
                out.add(group.remove(Math.min(k, group.size() - 1)));
            }
            i = j;
        }
        return out;
    }

    /**
     * The addresses of {@code host}; one unresolved address when it has none, so that the caller reports
     * "HOST:PORT: cannot resolve" and tries the next target, as Asterisk does.
     */
    private static List<InetSocketAddress> addresses(String host, int port, String dns) throws IOException {
        List<InetSocketAddress> out = new ArrayList<>();
        if (dns == null || isLiteral(host)) {
            try {
                for (InetAddress ip : InetAddress.getAllByName(host)) {
                    out.add(new InetSocketAddress(ip, port));
                }
            } catch (UnknownHostException e) {
                return List.of(InetSocketAddress.createUnresolved(host, port));
            }
            return out;
        }
        for (String type : List.of("A", "AAAA")) {
            try {
                for (String a : lookup(host, type, dns)) {
                    out.add(new InetSocketAddress(InetAddress.getByName(a.trim()), port));
                }
            } catch (IOException e) {
                // no record of this type
            }
        }
        return out.isEmpty() ? List.of(InetSocketAddress.createUnresolved(host, port)) : out;
    }

    private static boolean isLiteral(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    private static List<String> lookup(String name, String type, String dns) throws IOException {
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("java.naming.provider.url", dns == null ? "dns:" : "dns://" + dns);
        env.put("com.sun.jndi.dns.timeout.initial", "1000");
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        DirContext ctx = null;
        try {
            ctx = new InitialDirContext(env);
            Attributes attrs = ctx.getAttributes(name, new String[] {type});
            Attribute a = attrs.get(type);
            List<String> out = new ArrayList<>();
            if (a != null) {
                NamingEnumeration<?> values = a.getAll();
                while (values.hasMore()) {
                    out.add(values.next().toString());
                }
            }
            return out;
        } catch (NamingException e) {
            throw new IOException("DNS: no " + type + " records for " + name + where(dns) + " (" + e.getExplanation()
                    + ")");
        } finally {
            if (ctx != null) {
                try {
                    ctx.close();
                } catch (NamingException ignored) {
                    // nothing held
                }
            }
        }
    }

    private static String where(String dns) {
        return dns == null ? "" : " at DNS server " + dns;
    }
}
