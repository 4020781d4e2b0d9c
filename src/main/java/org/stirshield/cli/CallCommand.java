package org.stirshield.cli;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.stirshield.agi.AgiClient;
import org.stirshield.agi.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./stirshield call}: plays Asterisk for one call against a running {@code serve} and prints the
 * channel variables it was told to set, one {@code NAME=value} a line in the order set. With
 * {@code --repeat N --concurrency C [--rate R]} it is a load tool and prints sessions/s and latencies instead.
 *
 * <p>Each call has its own {@code agi_uniqueid} ({@code EPOCH.SEQ}, as Asterisk gives each channel), a SIP Call-ID
 * and a source address, which it answers when the server reads them ({@code GET FULL VARIABLE
 * ${PJSIP_HEADER(read,Call-ID)}}, {@code ${CHANNEL(pjsip,remote_addr)}}), as Asterisk does for the recommended
 * dialplan: so every audit record it causes has its own unique_id, sip_call_id and source.
 *
 * <p>{@code --server} may be repeated and may be {@code hagi://NAME}: the servers are tried in order the way
 * Asterisk's {@code hagi://} does (DNS SRV {@code _agi._tcp.NAME}, lowest priority first), the next one only
 * when one cannot be connected to; so operators can test their SRV records and failover with it.
 */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = "Play Asterisk for one FastAGI call against a running server; print the variables set.")
final class CallCommand implements Callable<Integer> {

    @Option(names = "--server", paramLabel = "HOST:PORT|agi://HOST:PORT|hagi://NAME",
            description = "a FastAGI server, tried in the order given (repeatable; default "
                    + ServerSettings.DEFAULT_LISTEN + "); hagi://NAME: the targets of DNS SRV _agi._tcp.NAME, by"
                    + " priority, as Asterisk's hagi:// tries them")
    List<String> servers = new ArrayList<>();

    @Option(names = "--dns", paramLabel = "HOST[:PORT]",
            description = "the DNS server for hagi:// SRV and target lookups (default: the system's resolvers)")
    String dns;

    @Option(names = "--rate", paramLabel = "CALLS_PER_S", defaultValue = "0",
            description = "load mode: start calls at this rate (default 0: as fast as --concurrency allows)")
    double rate;

    @Option(names = "--from", paramLabel = "TN", required = true, description = "caller TN (agi_callerid)")
    String from;

    @Option(names = "--to", paramLabel = "TN", required = true, description = "called TN (agi_dnid, agi_extension)")
    String to;

    @Option(names = "--identity", paramLabel = "VALUE", description = "an Identity header value (repeatable)")
    List<String> identity = new ArrayList<>();

    @Option(names = "--context", paramLabel = "NAME", defaultValue = "from-carrier", description = "agi_context (default ${DEFAULT-VALUE})")
    String context;

    @Option(names = "--script", defaultValue = "verify", description = "the AGI script (default ${DEFAULT-VALUE})")
    String script;

    @Option(names = "--arg", paramLabel = "ARG", description = "an extra AGI argument, e.g. date=... (repeatable)")
    List<String> extraArgs = new ArrayList<>();

    @Option(names = "--via-variable", description = "do not pass the Identity headers as AGI arguments: answer"
            + " GET FULL VARIABLE $${PJSIP_HEADER(read,Identity[,n])} with them instead")
    boolean viaVariable;

    @Option(names = "--sip-header", paramLabel = "NAME: VALUE",
            description = "a header of the INVITE, as Asterisk's $${PJSIP_HEADER(read,NAME[,n])} returns it to the"
                    + " server's GET FULL VARIABLE (repeatable; the n-th one of a name is its n-th instance),"
                    + " e.g. \"History-Info: <sip:+12155550111@pbx.example>;index=1\"")
    List<String> sipHeaders = new ArrayList<>();

    @Option(names = "--timeout", defaultValue = "10s", description = "per-session socket timeout (default ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--repeat", defaultValue = "1", description = "sessions to run (load test when > 1)")
    int repeat;

    @Option(names = "--concurrency", defaultValue = "1", description = "sessions in flight at once")
    int concurrency;

    @Option(names = "--call-id", paramLabel = "CALL-ID", description = "the INVITE's SIP Call-ID the server reads"
            + " (default: the --sip-header Call-ID if given, else a new random one per call; with --repeat,"
            + " CALL-ID-1, CALL-ID-2, ...)")
    String callId;

    @Option(names = "--source", paramLabel = "ADDRESS:PORT", description = "the address the INVITE came from, as"
            + " $${CHANNEL(pjsip,remote_addr)} gives it (default: this machine's address towards the server, port 5060)")
    String source;

    /** The per-call sequence of agi_uniqueid: from a start of this process's own, so two runs never share an id. */
    private static final AtomicLong SEQUENCE = new AtomicLong(ProcessHandle.current().pid() * 1_000_000L);

    /** What {@code GET FULL VARIABLE} answers for the Call-ID and the source address (the server's expressions). */
    static final String CALL_ID_VARIABLE = "${PJSIP_HEADER(read,Call-ID)}";
    static final String SOURCE_VARIABLE = "${CHANNEL(pjsip,remote_addr)}";

    @Override
    public Integer call() throws Exception {
        Duration t;
        try {
            t = org.stirshield.config.ConfigValues.parseDuration("--timeout", timeout);
            if (servers.isEmpty()) {
                servers = List.of(ServerSettings.DEFAULT_LISTEN);
            }
            AgiTargets.resolve(servers.stream().filter(v -> !v.toLowerCase(java.util.Locale.ROOT).startsWith("hagi:"))
                    .toList(), script, dns); // static targets: a typo fails now, not on every call
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("stirshield call: " + e.getMessage());
            return 2;
        }
        if (rate < 0) {
            System.err.println("stirshield call: --rate must not be negative");
            return 2;
        }
        if (callId != null && !callId.matches("[\\x21-\\x7e]{1,200}")) {
            System.err.println("stirshield call: --call-id '" + callId + "': a SIP Call-ID is 1 to 200 visible"
                    + " characters, no spaces");
            return 2;
        }
        if (source != null && !source.matches("(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+):[0-9]{1,5}")) {
            System.err.println("stirshield call: --source '" + source + "': expected IPv4:PORT or [IPv6]:PORT,"
                    + " e.g. 203.0.113.7:5060");
            return 2;
        }
        for (String v : concat(concat(identity, extraArgs), sipHeaders)) {
            if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
                System.err.println("stirshield call: an --identity, --arg or --sip-header value must be one line");
                return 2;
            }
        }
        List<String> args = new ArrayList<>();
        Map<String, String> vars = new java.util.HashMap<>();
        Map<String, Integer> instances = new java.util.HashMap<>();
        for (String h : sipHeaders) {
            int colon = h.indexOf(':');
            String name = colon < 0 ? "" : h.substring(0, colon).strip();
            if (!name.matches("[A-Za-z0-9-]+")) {
                System.err.println("stirshield call: --sip-header must be NAME: VALUE, not " + h);
                return 2;
            }
            for (String known : List.of("Identity", "From", "P-Asserted-Identity", "History-Info", "Diversion", "Call-ID")) {
                if (known.equalsIgnoreCase(name)) {
                    name = known; // header names are case-insensitive; the server asks with these spellings
                }
            }
            int n = instances.merge(name, 1, Integer::sum);
            vars.put("${PJSIP_HEADER(read," + name + (n == 1 ? "" : "," + n) + ")}", h.substring(colon + 1).strip());
        }
        if (viaVariable) {
            for (int i = 0; i < identity.size(); i++) {
                vars.put(i == 0 ? "${PJSIP_HEADER(read,Identity)}" : "${PJSIP_HEADER(read,Identity," + (i + 1) + ")}",
                        identity.get(i));
            }
        } else {
            args.addAll(identity.isEmpty() && extraArgs.isEmpty() ? List.of("") : identity);
        }
        args.addAll(extraArgs);
        if (repeat <= 1) {
            Placed p = place(args, vars, uniqueId(), callId == null ? UUID.randomUUID().toString() : callId, t);
            if (p.error() != null) {
                System.err.println("stirshield call: " + p.error());
                return 1;
            }
            AgiClient.Failover f = p.failover();
            f.unreachable().forEach(u -> System.err.println("stirshield call: not reachable: " + u));
            AgiClient.Result r = f.result();
            r.variables().forEach((k, v) -> System.out.println(k + "=" + v));
            if (!r.completed()) {
                System.err.println("stirshield call: session did not complete: " + r.error());
                return 1;
            }
            if (servers.size() > 1 || !f.unreachable().isEmpty() || isHagi()) {
                System.err.println("stirshield call: answered by " + hostPort(f.server()));
            }
            return 0;
        }
        return load(args, vars, t);
    }

    /** One call placed: the failover outcome, or why no server could even be looked up. */
    private record Placed(AgiClient.Failover failover, String error) {
    }

    /** A new agi_uniqueid, {@code EPOCH.SEQ} as Asterisk makes them. */
    static String uniqueId() {
        return System.currentTimeMillis() / 1000 + "." + SEQUENCE.incrementAndGet();
    }

    /**
     * Resolves the servers (SRV included, each call anew, as Asterisk does) and places one call through them.
     *
     * @param uniqueId the call's agi_uniqueid
     * @param sipCallId the call's SIP Call-ID
     */
    private Placed place(List<String> args, Map<String, String> vars, String uniqueId, String sipCallId, Duration t) {
        List<AgiTargets.Target> targets;
        try {
            targets = AgiTargets.resolve(servers, script, dns);
        } catch (IllegalArgumentException | java.io.IOException e) {
            return new Placed(null, e.getMessage());
        }
        Map<InetSocketAddress, AgiTargets.Target> byAddress = new java.util.LinkedHashMap<>();
        targets.forEach(x -> byAddress.putIfAbsent(x.address(), x));
        AgiClient.Failover f = AgiClient.runFailover(List.copyOf(byAddress.keySet()), a -> {
            AgiTargets.Target x = byAddress.get(a);
            Map<String, String> channel = new java.util.HashMap<>(vars);
            if (callId != null || !vars.containsKey(CALL_ID_VARIABLE)) { // else --sip-header "Call-ID: ..."
                channel.put(CALL_ID_VARIABLE, sipCallId);
            }
            channel.put(SOURCE_VARIABLE, source != null ? source : sourceTowards(a));
            return AgiClient.call(a, x.script(), from, to, context, args).withVariables(channel)
                    .with("agi_request", x.request()).with("agi_uniqueid", uniqueId);
        }, t);
        return new Placed(f, null);
    }

    /** This machine's address towards {@code server} (the one a connection would come from), port 5060. */
    private static String sourceTowards(InetSocketAddress server) {
        InetAddress local = InetAddress.getLoopbackAddress();
        if (!server.isUnresolved()) {
            try (DatagramSocket probe = new DatagramSocket()) {
                probe.connect(server); // no packet is sent: the kernel picks the route and so the address
                if (!probe.getLocalAddress().isAnyLocalAddress()) {
                    local = probe.getLocalAddress();
                }
            } catch (IOException | RuntimeException e) {
                // the loopback address
            }
        }
        String host = local.getHostAddress();
        return (local instanceof Inet6Address ? "[" + host + "]" : host) + ":5060";
    }

    private boolean isHagi() {
        return servers.stream().anyMatch(v -> v.toLowerCase(java.util.Locale.ROOT).startsWith("hagi:"));
    }

    private static String hostPort(InetSocketAddress a) {
        return a == null ? "none" : AgiClient.hostPort(a);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private int load(List<String> args, Map<String, String> vars, Duration t) throws InterruptedException {
        int n = repeat;
        long[] latencies = new long[n];
        AtomicLong failed = new AtomicLong();
        Map<String, AtomicLong> byServer = new java.util.concurrent.ConcurrentSkipListMap<>();
        Semaphore inFlight = new Semaphore(Math.max(1, concurrency));
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int idx = i;
                if (rate > 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                inFlight.acquire();
                pool.execute(() -> {
                    try {
                        long t0 = System.nanoTime();
                        Placed p = place(args, vars, uniqueId(), callId == null ? UUID.randomUUID().toString()
                                : callId + "-" + (idx + 1), t);
                        latencies[idx] = System.nanoTime() - t0;
                        AgiClient.Result r = p.failover() == null ? null : p.failover().result();
                        if (r == null || !r.completed() || r.variables().isEmpty()) {
                            if (failed.incrementAndGet() <= 3) { // say why (the first few)
                                System.err.println("stirshield call: call " + (idx + 1) + " failed: "
                                        + (r == null ? p.error() : (r.completed()
                                        ? "the server closed the session without setting a variable"
                                        : r.error()) + " after " + r.commands().size() + " command(s)"));
                            }
                        } else {
                            byServer.computeIfAbsent(hostPort(p.failover().server()), k -> new AtomicLong())
                                    .incrementAndGet();
                        }
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        StringBuilder served = new StringBuilder();
        if (byServer.size() > 1 || servers.size() > 1 || isHagi()) {
            served.append(" answered_by=");
            byServer.forEach((k, v) -> served.append(served.length() > 13 ? "," : "").append(k).append('/').append(v));
        }
        System.out.printf("sessions=%d concurrency=%d failed=%d seconds=%.3f sessions_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%s%n",
                n, concurrency, failed.get(), seconds, n / seconds, latencies[n / 2] / 1e6,
                latencies[Math.min(n - 1, (int) (n * 0.99))] / 1e6, latencies[n - 1] / 1e6, served);
        return failed.get() == 0 ? 0 : 1;
    }
}
