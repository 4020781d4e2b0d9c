package org.stirshield.agi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Asterisk side of one FastAGI session, for {@code ./stirshield call}, load tests and the test
 * harness: sends the environment block exactly as Asterisk 22 does (then a blank line), answers each
 * command as Asterisk does ({@code EXEC MSet} → {@code 200 result=0}; {@code GET FULL VARIABLE expr} →
 * {@code 200 result=1 (expr substituted)}; …), records every command, and reads back the
 * variables set, unescaping them exactly as Asterisk's AGI parser and MSet would.
 */
public final class AgiClient {
    /** Asterisk's limit for GET VARIABLE (GET FULL VARIABLE has none). */
    static final int GET_VARIABLE_LIMIT = 1024;

    private AgiClient() {
    }

    /**
     * One call as Asterisk presents it.
     *
     * @param environment the environment block without arguments, in Asterisk's order
     * @param arguments the AGI() arguments ({@code agi_arg_1} …)
     * @param variables what {@code GET (FULL) VARIABLE expression} answers, by expression (e.g.
     *     {@code ${PJSIP_HEADER(read,Identity)}}); absent: {@code 200 result=0}
     */
    public record Call(Map<String, String> environment, List<String> arguments, Map<String, String> variables) {
        public Call {
            environment = new LinkedHashMap<>(environment);
            arguments = List.copyOf(arguments);
            variables = Map.copyOf(variables);
        }

        public Call withArguments(List<String> args) {
            return new Call(environment, args, variables);
        }

        public Call withVariables(Map<String, String> vars) {
            return new Call(environment, arguments, vars);
        }

        public Call with(String name, String value) {
            Map<String, String> env = new LinkedHashMap<>(environment);
            env.put(name, value);
            return new Call(env, arguments, variables);
        }
    }

    /**
     * The result of one session.
     *
     * @param completed the server ended the session by closing the connection, with no I/O error
     * @param commands every command line the server sent, in order
     * @param variables the channel variables it set (MSet / SET VARIABLE), in order
     * @param error what went wrong when not completed, else null
     */
    public record Result(boolean completed, List<String> commands, Map<String, String> variables, String error) {
    }

    /** An inbound call in the environment Asterisk 22 sends for {@code AGI(agi://host:port/script,args)}. */
    public static Call call(InetSocketAddress server, String script, String callerTn, String calledTn, String context,
            List<String> arguments) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("agi_network", "yes");
        env.put("agi_network_script", script);
        env.put("agi_request", "agi://" + server.getHostString() + ":" + server.getPort() + "/" + script);
        env.put("agi_channel", "PJSIP/carrier-00000001");
        env.put("agi_language", "en");
        env.put("agi_type", "PJSIP");
        env.put("agi_uniqueid", "1763900000.1");
        env.put("agi_version", "22.0.0");
        env.put("agi_callerid", orUnknown(callerTn));
        env.put("agi_calleridname", "unknown");
        env.put("agi_callingpres", "0");
        env.put("agi_callingani2", "0");
        env.put("agi_callington", "0");
        env.put("agi_callingtns", "0");
        env.put("agi_dnid", orUnknown(calledTn));
        env.put("agi_rdnis", "unknown");
        env.put("agi_context", orUnknown(context));
        env.put("agi_extension", orUnknown(calledTn));
        env.put("agi_priority", "2");
        env.put("agi_enhanced", "0.0");
        env.put("agi_accountcode", "");
        env.put("agi_threadid", "140200000000001");
        return new Call(env, arguments, Map.of());
    }

    private static String orUnknown(String v) {
        return v == null || v.isEmpty() ? "unknown" : v;
    }

    public static Result run(InetSocketAddress server, Call call, Duration timeout) {
        return run(server, null, call, timeout);
    }

    /** Plays one session; {@code bindAddress} chooses the source address (null: any). */
    public static Result run(InetSocketAddress server, InetAddress bindAddress, Call call, Duration timeout) {
        return attempt(server, bindAddress, call, timeout).result();
    }

    /**
     * One call the way Asterisk's {@code hagi://} places it: each server in turn, the next one only when this one
     * cannot be connected to or the environment block cannot be sent to it (refused, timed out, reset); once a
     * server has the call, its answer (or its failure) is the call's, as in Asterisk.
     *
     * @param servers in the order to try
     * @param calls the call to send to each server (its {@code agi_request} may name the server)
     * @return the result and the server that had the call, or the last failure and null when none could be reached
     */
    public static Failover runFailover(List<InetSocketAddress> servers,
            java.util.function.Function<InetSocketAddress, Call> calls, Duration timeout) {
        List<String> unreachable = new ArrayList<>();
        Result last = new Result(false, List.of(), Map.of(), "no server to try");
        for (InetSocketAddress server : servers) {
            if (server.isUnresolved()) { // as Asterisk: a name that does not resolve is skipped, the next one tried
                unreachable.add(hostPort(server) + ": cannot resolve");
                last = new Result(false, List.of(), Map.of(), hostPort(server) + ": cannot resolve");
                continue;
            }
            Attempt a = attempt(server, null, calls.apply(server), timeout);
            if (a.reached()) {
                return new Failover(a.result(), server, unreachable);
            }
            unreachable.add(hostPort(server) + " (" + a.result().error() + ")");
            last = a.result();
        }
        return new Failover(last, null, unreachable);
    }

    /** {@code IP:PORT}, or {@code HOST:PORT} for an address that did not resolve. */
    public static String hostPort(InetSocketAddress a) {
        return (a.isUnresolved() ? a.getHostString() : a.getAddress().getHostAddress()) + ":" + a.getPort();
    }

    /**
     * The outcome of {@link #runFailover}.
     *
     * @param result the session's result
     * @param server the server that had the call, or null when none could be reached
     * @param unreachable the servers tried before it, with why each could not take the call
     */
    public record Failover(Result result, InetSocketAddress server, List<String> unreachable) {
    }

    /** @param reached the environment block was handed to the server (Asterisk commits to it from then on) */
    private record Attempt(boolean reached, Result result) {
    }

    private static Attempt attempt(InetSocketAddress server, InetAddress bindAddress, Call call, Duration timeout) {
        List<String> commands = new ArrayList<>();
        Map<String, String> vars = new LinkedHashMap<>();
        boolean reached = false;
        try (Socket s = new Socket()) {
            if (bindAddress != null) {
                s.bind(new InetSocketAddress(bindAddress, 0));
            }
            int millis = (int) Math.max(1, timeout.toMillis());
            s.connect(server, millis);
            s.setSoTimeout(millis);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            out.write(environmentBlock(call).getBytes(StandardCharsets.UTF_8));
            out.flush();
            reached = true;
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                commands.add(line);
                out.write((answer(line, call, vars) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            return new Attempt(true, new Result(true, commands, vars, null));
        } catch (IOException e) {
            return new Attempt(reached, new Result(false, commands, vars, e.toString()));
        }
    }

    /** The environment block: {@code name: value} lines, the arguments, then a blank line. */
    public static String environmentBlock(Call call) {
        StringBuilder b = new StringBuilder(1024);
        call.environment().forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
        for (int i = 0; i < call.arguments().size(); i++) {
            b.append("agi_arg_").append(i + 1).append(": ").append(call.arguments().get(i)).append('\n');
        }
        return b.append('\n').toString();
    }

    /** What Asterisk answers to one command line (and the variables it sets). */
    public static String answer(String line, Call call, Map<String, String> vars) {
        List<String> argv = parseAgiArgs(line);
        if (argv.isEmpty()) {
            return "510 Invalid or unknown command";
        }
        String verb = argv.get(0).toUpperCase(java.util.Locale.ROOT);
        if (verb.equals("EXEC") && argv.size() >= 2) {
            if (argv.get(1).equalsIgnoreCase("MSet") || argv.get(1).equalsIgnoreCase("Set")) {
                String data = argv.size() > 2 ? argv.get(2) : "";
                if (argv.get(1).equalsIgnoreCase("MSet")) {
                    vars.putAll(msetVariables(data));
                } else {
                    int eq = data.indexOf('=');
                    if (eq > 0) {
                        vars.put(data.substring(0, eq), data.substring(eq + 1));
                    }
                }
                return "200 result=0";
            }
            return "200 result=-2"; // application not found
        }
        if (verb.equals("SET") && argv.size() == 4 && argv.get(1).equalsIgnoreCase("VARIABLE")) {
            vars.put(argv.get(2), argv.get(3));
            return "200 result=1";
        }
        if (verb.equals("GET") && argv.size() >= 3 && argv.get(1).equalsIgnoreCase("FULL")
                && argv.get(2).equalsIgnoreCase("VARIABLE") && argv.size() >= 4) {
            return "200 result=1 (" + substitute(argv.get(3), call.variables()) + ")"; // res_agi.c: always result=1
        }
        if (verb.equals("GET") && argv.size() >= 3 && argv.get(1).equalsIgnoreCase("VARIABLE")) {
            String v = call.variables().get("${" + argv.get(2) + "}");
            if (v == null || v.isEmpty()) {
                return "200 result=0";
            }
            return "200 result=1 (" + (v.length() > GET_VARIABLE_LIMIT ? v.substring(0, GET_VARIABLE_LIMIT) : v) + ")";
        }
        if (verb.equals("VERBOSE") || verb.equals("NOOP")) {
            return "200 result=1";
        }
        return "510 Invalid or unknown command";
    }

    /**
     * Asterisk's variable substitution, as far as the server's expressions use it: each {@code ${X}} is
     * replaced by the value {@code variables} holds for {@code "${X}"} (empty when none), {@code ${LEN(...)}}
     * by the length in bytes (UTF-8) of its substituted argument, nested to any depth.
     */
    public static String substitute(String expression, Map<String, String> variables) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < expression.length()) {
            int start = expression.indexOf("${", i);
            if (start < 0) {
                out.append(expression, i, expression.length());
                break;
            }
            out.append(expression, i, start);
            int depth = 0;
            int end = start;
            for (int k = start; k < expression.length(); k++) {
                if (expression.startsWith("${", k)) {
                    depth++;
                    k++;
                } else if (expression.charAt(k) == '}' && --depth == 0) {
                    end = k;
                    break;
                }
            }
            if (depth != 0) { // unbalanced: Asterisk copies the rest as it is
                out.append(expression, start, expression.length());
                break;
            }
            String inner = expression.substring(start + 2, end);
            if (inner.startsWith("LEN(") && inner.endsWith(")")) {
                String arg = substitute(inner.substring(4, inner.length() - 1), variables);
                out.append(arg.getBytes(StandardCharsets.UTF_8).length);
            } else {
                String v = variables.get("${" + substitute(inner, variables) + "}");
                out.append(v == null ? "" : v);
            }
            i = end + 1;
        }
        return out.toString();
    }

    /** The variables an {@code MSet} argument sets: split as Asterisk's MSet does. */
    public static Map<String, String> msetVariables(String data) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String pair : separateAppArgs(data, ',', 99)) {
            List<String> nv = separateAppArgs(pair, '=', 2);
            if (nv.size() == 2) {
                vars.put(nv.get(0), nv.get(1));
            }
        }
        return vars;
    }

    /**
     * Asterisk's AGI command-line parser ({@code parse_args} in res_agi.c): words split at white space
     * outside double quotes; a backslash makes the next character literal; quotes are removed.
     */
    static List<String> parseAgiArgs(String s) {
        List<String> argv = new ArrayList<>();
        StringBuilder cur = null;
        boolean quoted = false;
        boolean escaped = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' && !escaped) {
                quoted = !quoted;
                if (cur == null) {
                    cur = new StringBuilder();
                }
            } else if ((c == ' ' || c == '\t') && !quoted && !escaped) {
                if (cur != null) {
                    argv.add(cur.toString());
                    cur = null;
                }
            } else if (c == '\\' && !escaped) {
                escaped = true;
                continue;
            } else {
                if (cur == null) {
                    cur = new StringBuilder();
                }
                cur.append(c);
            }
            escaped = false;
        }
        if (cur != null) {
            argv.add(cur.toString());
        }
        return argv;
    }

    /**
     * Asterisk's {@code ast_app_separate_args} with {@code remove_chars}: split at {@code delim} outside
     * quotes, parentheses and brackets, removing quotes and the backslash of an escape; the last of
     * {@code max} arguments takes the rest verbatim.
     */
    static List<String> separateAppArgs(String s, char delim, int max) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int wasDelim = -1;
        while (i < s.length() && out.size() < max - 1) {
            StringBuilder arg = new StringBuilder();
            int paren = 0;
            int bracket = 0;
            boolean quote = false;
            for (; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '(') {
                    paren++;
                } else if (c == ')') {
                    paren = Math.max(0, paren - 1);
                } else if (c == '[') {
                    bracket++;
                } else if (c == ']') {
                    bracket = Math.max(0, bracket - 1);
                } else if (c == '"' && delim != '"') {
                    quote = !quote;
                    continue; // removed
                } else if (c == '\\') {
                    if (i + 1 < s.length()) {
                        arg.append(s.charAt(++i)); // the backslash is removed, the next character is literal
                    }
                    continue;
                } else if (c == delim && paren == 0 && !quote && bracket == 0) {
                    wasDelim = i++;
                    break;
                }
                arg.append(c);
            }
            out.add(arg.toString());
        }
        // the rest, verbatim; "A=" (delimiter last) has a second, empty argument
        if (i < s.length() || (i > 0 && wasDelim == i - 1)) {
            out.add(s.substring(i));
        }
        return out;
    }
}
