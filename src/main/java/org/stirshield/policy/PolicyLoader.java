package org.stirshield.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.stirshield.config.ConfigException;
import org.stirshield.config.ConfigSchema;
import org.stirshield.config.LocatedYaml;

/**
 * Reads a policy YAML file and the CSV files it references into a {@link Policy}. Every error names
 * the file, the line and the reason ({@link PolicyException}); unknown keys are errors, because a typo
 * in a security policy must not be silently ignored. The format is documented key by key in
 * {@code asterisk-conf/policy.yaml} and docs/policy.md.
 */
public final class PolicyLoader {
    /** The embedded example policy (used only when asked for by name: {@code policy.file: example}). */
    public static final String EMBEDDED = "org/stirshield/policy/default-policy.yaml";
    static final long MAX_YAML_BYTES = 16L << 20;
    static final int MAX_LINE_CHARS = 4096;
    static final int MAX_ENTRIES = 10_000_000;
    static final int MAX_CSV_FILES = 64;

    /** The keys a policy file may have at its top level (check-config tells a policy file by them). */
    public static final Set<String> TOP_KEYS = Set.of("version", "description", "reject_sip_code", "unprotected",
            "policies", "protected", "csv", "names");
    private static final Set<String> POLICY_KEYS = Set.of("min_attest", "allowed_signers", "inbound_only",
            "deny_trunks", "allow_trunks", "on_failure", "on_missing_identity", "on_infrastructure_error", "tag",
            "verified_name", "description", "on_forwarded");
    private static final Set<String> NAMES_KEYS = Set.of("on_spoof", "caller_name", "tag", "protected");
    private static final Set<String> NAME_KEYS = Set.of("name", "agency", "match");
    static final int MAX_NAMES = 100_000;
    private static final Set<String> UNPROTECTED_KEYS = Set.of("on_failure", "on_missing_identity",
            "on_infrastructure_error", "tag");
    private static final Set<String> SIGNER_KEYS = Set.of("spc", "fingerprints");
    private static final Set<String> ENTRY_KEYS = Set.of("number", "prefix", "range", "short_code", "entry",
            "country_code", "agency", "policy");

    private PolicyLoader() {
    }

    /** Loads and validates a policy file (and its CSVs). */
    public static Policy load(Path yaml) throws PolicyException {
        return read(Source.file(yaml), false).policy();
    }

    /** The embedded example policy. */
    public static Policy loadEmbedded() {
        try {
            return read(Source.resource(EMBEDDED), false).policy();
        } catch (PolicyException e) {
            throw new IllegalStateException("embedded policy is invalid: " + e.getMessage(), e);
        }
    }

    /**
     * The policy without a policy file: no number is protected; every call is verified and reported, and
     * the unprotected defaults (allow) apply.
     */
    public static Policy none() {
        NumberTable table;
        try {
            table = NumberTable.build(List.of(), new String[0], new String[0], new ArrayList<>());
        } catch (PolicyException e) {
            throw new IllegalStateException(e); // nothing to conflict
        }
        return new Policy(table, Map.of(), PolicyRule.unprotectedDefault(), 603, NamePins.NONE, List.of(),
                "no policy file: 0 protected entries (every call is verified and reported, none is protected)");
    }

    /** Loads a policy file and analyses it for {@code check-config}: counts, duplicates, shadowed entries. */
    public static PolicyReport check(Path yaml) throws PolicyException {
        Loaded l = read(Source.file(yaml), true);
        return PolicyReport.analyse(l.policy(), l.entries(), l.warnings());
    }

    /** {@link #check(Path)} for the embedded example policy. */
    public static PolicyReport checkEmbedded() throws PolicyException {
        Loaded l = read(Source.resource(EMBEDDED), true);
        return PolicyReport.analyse(l.policy(), l.entries(), l.warnings());
    }

    record Loaded(Policy policy, List<NumberEntry> entries, List<String> warnings) {
    }

    static Loaded read(Source src, boolean keepEntries) throws PolicyException {
        LocatedYaml y;
        try (InputStream in = src.open(MAX_YAML_BYTES)) {
            y = LocatedYaml.parse(src.name(), in);
        } catch (ConfigException e) {
            throw new PolicyException(e.file(), e.line(), e.reason());
        } catch (IOException e) {
            throw new PolicyException(src.name(), 0, ioMessage(e));
        }
        JsonNode root = y.root;
        if (!root.isObject()) {
            throw new PolicyException(y.file, y.line(root), "the policy file must be a YAML mapping");
        }
        checkKeys(y, root, TOP_KEYS, "top level");
        if (root.isEmpty()) {
            // also what a reload sees while an editor has truncated the file but not yet written it
            throw new PolicyException(y.file, 1, "empty policy file (write at least 'policies: {}')");
        }
        List<String> warnings = new ArrayList<>();

        int rejectCode = 603;
        if (root.has("reject_sip_code")) {
            String v = text(y, root, "reject_sip_code");
            rejectCode = switch (v) {
                case "403" -> 403;
                case "603" -> 603;
                case "608" -> 608;
                default -> throw new PolicyException(y.file, y.line(root, "reject_sip_code"),
                        "reject_sip_code must be 403, 603 or 608, not " + v);
            };
        }

        PolicyRule unprotected = PolicyRule.unprotectedDefault();
        if (root.has("unprotected")) {
            JsonNode u = mapping(y, root, "unprotected");
            checkKeys(y, u, UNPROTECTED_KEYS, "unprotected");
            unprotected = new PolicyRule("unprotected", "C", Set.of(), Set.of(), false, Set.of(), Set.of(),
                    action(y, u, "on_failure", Action.ALLOW), action(y, u, "on_missing_identity", Action.ALLOW),
                    action(y, u, "on_infrastructure_error", Action.ALLOW),
                    u.has("tag") ? text(y, u, "tag") : PolicyRule.DEFAULT_TAG, false, Action.ALLOW);
        }
        NamePins names = root.has("names") ? names(y, mapping(y, root, "names")) : NamePins.NONE;

        Map<String, PolicyRule> rules = new LinkedHashMap<>();
        if (root.has("policies")) {
            JsonNode ps = mapping(y, root, "policies");
            for (Iterator<Map.Entry<String, JsonNode>> it = ps.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                rules.put(f.getKey(), rule(y, ps, f.getKey(), f.getValue(), warnings));
            }
        }

        Groups groups = new Groups();
        List<NumberEntry> entries = new ArrayList<>();
        if (root.has("protected")) {
            JsonNode list = root.get("protected");
            if (!list.isArray()) {
                throw new PolicyException(y.file, y.line(root, "protected"), "protected: expected a list of entries");
            }
            for (int i = 0; i < list.size(); i++) {
                entry(y, list, i, rules, groups, entries);
            }
        }
        List<Path> sources = new ArrayList<>();
        if (src.path() != null) {
            sources.add(src.path());
        }
        if (root.has("csv")) {
            JsonNode list = root.get("csv");
            if (list.isTextual()) {
                list = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(list);
            }
            if (!list.isArray()) {
                throw new PolicyException(y.file, y.line(root, "csv"), "csv: expected a file name or a list of them");
            }
            if (list.size() > MAX_CSV_FILES) {
                throw new PolicyException(y.file, y.line(root, "csv"), "csv: more than " + MAX_CSV_FILES + " files");
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode item = list.get(i);
                int line = y.line(list, i);
                if (item.isObject()) {
                    checkKeys(y, item, Set.of("file"), "csv item");
                    item = item.path("file");
                }
                if (!item.isTextual() || item.asText().isBlank()) {
                    throw new PolicyException(y.file, line, "csv: expected a file name");
                }
                Source csv = src.resolve(item.asText());
                if (csv.path() != null) {
                    sources.add(csv.path());
                }
                readCsv(csv, y.file, line, rules, groups, entries);
            }
        }
        for (String name : rules.keySet()) {
            if (!groups.usedPolicies.contains(name)) {
                warnings.add(y.file + ":" + y.line(root.path("policies"), name) + ": policy '" + name
                        + "' is not used by any entry");
            }
        }
        for (NamePins.Pin pin : names.pins()) {
            if (groups.agencySet.stream().noneMatch(a -> a.equalsIgnoreCase(pin.agency()))) {
                warnings.add(y.file + ": names: '" + pin.name() + "' is pinned to agency '" + pin.agency()
                        + "', which has no protected numbers: every call presenting that name is a spoof");
            }
        }
        NumberTable table = NumberTable.build(entries, groups.agencies.toArray(String[]::new),
                groups.policies.toArray(String[]::new), warnings);
        String summary = src.name() + ": " + table.size() + " protected entries, " + groups.agencySet.size()
                + " agencies, " + rules.size() + " policies" + (names.isEmpty() ? "" : ", " + names.pins().size()
                + " pinned names") + (root.has("version") ? ", version "
                + root.get("version").asText() : "");
        Policy policy = new Policy(table, rules, unprotected, rejectCode, names, sources, summary);
        return new Loaded(policy, keepEntries ? entries : List.of(), warnings);
    }

    private static PolicyRule rule(LocatedYaml y, JsonNode parent, String name, JsonNode p, List<String> warnings)
            throws PolicyException {
        if (!p.isObject()) {
            throw new PolicyException(y.file, y.line(parent, name), "policy '" + name + "': expected a mapping");
        }
        checkKeys(y, p, POLICY_KEYS, "policy '" + name + "'");
        String minAttest = p.has("min_attest") ? text(y, p, "min_attest").strip().toUpperCase(Locale.ROOT) : "A";
        if (!minAttest.equals("A") && !minAttest.equals("B") && !minAttest.equals("C")) {
            throw new PolicyException(y.file, y.line(p, "min_attest"), "min_attest must be A, B or C, not " + minAttest);
        }
        Set<String> spcs = new LinkedHashSet<>();
        Set<String> fps = new LinkedHashSet<>();
        if (p.has("allowed_signers")) {
            JsonNode s = mapping(y, p, "allowed_signers");
            checkKeys(y, s, SIGNER_KEYS, "allowed_signers");
            for (String spc : list(y, s, "spc")) {
                String v = spc.strip().toUpperCase(Locale.ROOT);
                if (!v.matches("[A-Z0-9]{1,32}")) {
                    throw new PolicyException(y.file, y.line(s, "spc"), "spc: not a service provider code "
                            + "(letters and digits): \"" + spc + "\"");
                }
                spcs.add(v);
            }
            for (String fp : list(y, s, "fingerprints")) {
                try {
                    fps.add(Numbers.fingerprint(fp));
                } catch (IllegalArgumentException e) {
                    throw new PolicyException(y.file, y.line(s, "fingerprints"), "fingerprints: " + e.getMessage());
                }
            }
        }
        Set<String> deny = new LinkedHashSet<>(list(y, p, "deny_trunks"));
        Set<String> allow = new LinkedHashSet<>(list(y, p, "allow_trunks"));
        for (String t : deny) {
            if (allow.contains(t)) {
                throw new PolicyException(y.file, y.line(p, "allow_trunks"), "trunk '" + t
                        + "' is in both deny_trunks and allow_trunks");
            }
        }
        if (p.has("tag") && !text(y, p, "tag").isEmpty() && !Character.isWhitespace(text(y, p, "tag").charAt(
                text(y, p, "tag").length() - 1))) {
            warnings.add(y.file + ":" + y.line(p, "tag") + ": tag \"" + text(y, p, "tag") + "\" does not end in a "
                    + "space: without a received caller name it replaces the name instead of prefixing it");
        }
        return new PolicyRule(name, minAttest, spcs, fps, bool(y, p, "inbound_only", false), deny, allow,
                action(y, p, "on_failure", Action.REJECT), action(y, p, "on_missing_identity", Action.TAG),
                action(y, p, "on_infrastructure_error", Action.TAG),
                p.has("tag") ? text(y, p, "tag") : PolicyRule.DEFAULT_TAG, bool(y, p, "verified_name", false),
                action(y, p, "on_forwarded", Action.ALLOW));
    }

    /** The {@code names:} section ({@link NamePins}). */
    private static NamePins names(LocatedYaml y, JsonNode n) throws PolicyException {
        checkKeys(y, n, NAMES_KEYS, "names");
        List<NamePins.Pin> pins = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        JsonNode list = n.get("protected");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new PolicyException(y.file, y.line(n, "protected"), "names.protected: expected a list of "
                        + "{name, agency} entries");
            }
            if (list.size() > MAX_NAMES) {
                throw new PolicyException(y.file, y.line(n, "protected"), "names.protected: more than " + MAX_NAMES + " names");
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode e = list.get(i);
                int line = y.line(list, i);
                if (!e.isObject()) {
                    throw new PolicyException(y.file, line, "names.protected: expected a mapping with name and agency");
                }
                checkKeys(y, e, NAME_KEYS, "names.protected entry");
                if (!e.has("name") || !e.has("agency")) {
                    throw new PolicyException(y.file, line, "names.protected entry: name and agency are required");
                }
                String name = text(y, e, "name").strip();
                String agency = text(y, e, "agency").strip();
                String match = e.has("match") ? text(y, e, "match").strip().toLowerCase(Locale.ROOT) : "exact";
                if (!match.equals("exact") && !match.equals("contains")) {
                    throw new PolicyException(y.file, y.line(e, "match"), "match must be exact or contains, not " + match);
                }
                String key = NamePins.normalize(name);
                if (key.isEmpty() || agency.isEmpty()) {
                    throw new PolicyException(y.file, line, "names.protected entry: the name needs letters or digits "
                            + "and the agency must not be empty");
                }
                boolean contains = match.equals("contains");
                if (contains && key.length() < NamePins.MIN_CONTAINS) {
                    throw new PolicyException(y.file, y.line(e, "match"), "match: contains needs a name of at least "
                            + NamePins.MIN_CONTAINS + " letters or digits (\"" + name + "\" would match too much)");
                }
                Integer first = seen.putIfAbsent(key + (contains ? "*" : ""), line);
                if (first != null) {
                    throw new PolicyException(y.file, line, "names.protected: \"" + name + "\" is already pinned at line "
                            + first + " (names are compared by their letters and digits, case-insensitively)");
                }
                pins.add(new NamePins.Pin(name, key, agency, contains));
            }
        }
        return new NamePins(pins, action(y, n, "on_spoof", Action.REJECT), bool(y, n, "caller_name", true),
                n.has("tag") ? text(y, n, "tag") : PolicyRule.DEFAULT_TAG);
    }

    private static void entry(LocatedYaml y, JsonNode list, int i, Map<String, PolicyRule> rules, Groups groups,
            List<NumberEntry> out) throws PolicyException {
        JsonNode e = list.get(i);
        int line = y.line(list, i);
        if (!e.isObject()) {
            throw new PolicyException(y.file, line, "protected entry: expected a mapping with number/prefix/range, "
                    + "agency and policy");
        }
        checkKeys(y, e, ENTRY_KEYS, "protected entry");
        String agency = e.has("agency") ? text(y, e, "agency").strip() : "";
        String policy = e.has("policy") ? text(y, e, "policy").strip() : "";
        int group = group(y.file, line, agency, policy, rules, groups);
        int kinds = 0;
        for (String k : List.of("number", "prefix", "range", "short_code", "entry")) {
            kinds += e.has(k) ? 1 : 0;
        }
        if (kinds != 1) {
            throw new PolicyException(y.file, line, "protected entry: give exactly one of number, prefix, range, "
                    + "short_code, entry");
        }
        if (e.has("country_code") && !e.has("short_code")) {
            throw new PolicyException(y.file, y.line(e, "country_code"), "country_code is only used with short_code");
        }
        try {
            if (e.has("number")) {
                out.add(new NumberEntry(NumberEntry.Kind.EXACT, Numbers.digits(text(y, e, "number")), null, group,
                        y.file, line).withStartAsEnd());
            } else if (e.has("prefix")) {
                String t = text(y, e, "prefix").strip();
                t = t.endsWith("*") ? t.substring(0, t.length() - 1) : t;
                out.add(new NumberEntry(NumberEntry.Kind.PREFIX, Numbers.digits(t), null, group, y.file, line)
                        .withStartAsEnd());
            } else if (e.has("range")) {
                JsonNode r = e.get("range");
                if (r.isArray() && r.size() == 2) {
                    out.add(NumberEntry.range(r.get(0).asText(), r.get(1).asText(), group, y.file, line));
                } else if (r.isTextual() && r.asText().contains("..")) {
                    String t = r.asText();
                    out.add(NumberEntry.range(t.substring(0, t.indexOf("..")), t.substring(t.indexOf("..") + 2), group,
                            y.file, line));
                } else {
                    throw new IllegalArgumentException("range: expected \"START..END\" or [START, END]");
                }
            } else if (e.has("short_code")) {
                String sc = Numbers.digits(text(y, e, "short_code"));
                out.add(new NumberEntry(NumberEntry.Kind.EXACT, sc, sc, group, y.file, line));
                if (e.has("country_code")) {
                    String cc = Numbers.digits(text(y, e, "country_code"));
                    if (cc.length() > 3) {
                        throw new IllegalArgumentException("country_code: 1 to 3 digits");
                    }
                    out.add(new NumberEntry(NumberEntry.Kind.EXACT, Numbers.digits(cc + sc), null, group, y.file, line)
                            .withStartAsEnd());
                }
            } else {
                out.add(NumberEntry.parse(text(y, e, "entry"), group, y.file, line));
            }
        } catch (IllegalArgumentException ex) {
            throw new PolicyException(y.file, line, ex.getMessage());
        }
        checkSize(out, y.file, line);
    }

    private static void readCsv(Source csv, String yamlFile, int yamlLine, Map<String, PolicyRule> rules,
            Groups groups, List<NumberEntry> out) throws PolicyException {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        String file = csv.name();
        int lineNo = 0;
        try (InputStream in = csv.open(Long.MAX_VALUE);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, decoder), 1 << 16)) {
            String line;
            boolean first = true;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.length() > MAX_LINE_CHARS) {
                    throw new PolicyException(file, lineNo, "line longer than " + MAX_LINE_CHARS + " characters");
                }
                if (first && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                List<String> fields = csvFields(line, file, lineNo);
                if (first) {
                    first = false;
                    String f0 = fields.get(0).strip();
                    if (!f0.isEmpty() && Character.isLetter(f0.charAt(0))) {
                        continue; // header line, e.g. number_or_prefix,agency,policy
                    }
                }
                if (fields.size() != 3) {
                    throw new PolicyException(file, lineNo, "expected 3 fields (number_or_prefix,agency,policy), got "
                            + fields.size());
                }
                int group = group(file, lineNo, fields.get(1).strip(), fields.get(2).strip(), rules, groups);
                try {
                    out.add(NumberEntry.parse(fields.get(0), group, file, lineNo));
                } catch (IllegalArgumentException e) {
                    throw new PolicyException(file, lineNo, e.getMessage());
                }
                checkSize(out, file, lineNo);
            }
        } catch (CharacterCodingException e) {
            throw new PolicyException(file, lineNo + 1, "not UTF-8");
        } catch (NoSuchFileException e) {
            throw new PolicyException(yamlFile, yamlLine, "csv file not found: " + file);
        } catch (IOException e) {
            throw new PolicyException(file, lineNo, ioMessage(e));
        }
    }

    /** RFC 4180 fields: commas separate, double quotes quote, "" inside quotes is one quote. */
    static List<String> csvFields(String line, String file, int lineNo) throws PolicyException {
        List<String> fields = new ArrayList<>(3);
        StringBuilder sb = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        sb.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    sb.append(c);
                }
            } else if (c == '"' && sb.toString().isBlank()) {
                sb.setLength(0);
                quoted = true;
            } else if (c == ',') {
                fields.add(sb.toString());
                sb.setLength(0);
            } else {
                sb.append(c);
            }
        }
        if (quoted) {
            throw new PolicyException(file, lineNo, "unterminated quoted field");
        }
        fields.add(sb.toString());
        return fields;
    }

    private static int group(String file, int line, String agency, String policy, Map<String, PolicyRule> rules,
            Groups groups) throws PolicyException {
        if (agency.isEmpty()) {
            throw new PolicyException(file, line, "missing agency");
        }
        if (policy.isEmpty()) {
            throw new PolicyException(file, line, "missing policy");
        }
        if (!rules.containsKey(policy)) {
            throw new PolicyException(file, line, "unknown policy '" + policy + "' (defined: " + rules.keySet() + ")");
        }
        return groups.index(agency, policy);
    }

    private static void checkSize(List<NumberEntry> out, String file, int line) throws PolicyException {
        if (out.size() > MAX_ENTRIES) {
            throw new PolicyException(file, line, "more than " + MAX_ENTRIES + " protected entries");
        }
    }

    private static void checkKeys(LocatedYaml y, JsonNode node, Set<String> allowed, String where)
            throws PolicyException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!allowed.contains(k)) {
                String close = ConfigSchema.closest(k, allowed);
                throw new PolicyException(y.file, y.line(node, k), where + ": unknown key '" + k + "' ("
                        + (close != null ? "did you mean '" + close + "'? " : "") + "allowed: "
                        + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    private static JsonNode mapping(LocatedYaml y, JsonNode parent, String key) throws PolicyException {
        JsonNode n = parent.get(key);
        if (!n.isObject()) {
            throw new PolicyException(y.file, y.line(parent, key), key + ": expected a mapping");
        }
        return n;
    }

    private static String text(LocatedYaml y, JsonNode parent, String key) throws PolicyException {
        JsonNode n = parent.get(key);
        if (n == null || !n.isTextual()) {
            throw new PolicyException(y.file, y.line(parent, key), key + ": expected a string (quote it)");
        }
        return n.asText();
    }

    private static boolean bool(LocatedYaml y, JsonNode parent, String key, boolean dflt) throws PolicyException {
        JsonNode n = parent.get(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new PolicyException(y.file, y.line(parent, key), key + ": expected true or false");
        }
        return n.booleanValue();
    }

    private static List<String> list(LocatedYaml y, JsonNode parent, String key) throws PolicyException {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (n.isTextual()) {
            return List.of(n.asText());
        }
        if (!n.isArray()) {
            throw new PolicyException(y.file, y.line(parent, key), key + ": expected a list");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw new PolicyException(y.file, y.line(n, i), key + ": expected strings");
            }
            out.add(n.get(i).asText());
        }
        return out;
    }

    private static Action action(LocatedYaml y, JsonNode parent, String key, Action dflt) throws PolicyException {
        if (!parent.has(key)) {
            return dflt;
        }
        String v = text(y, parent, key).strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "allow" -> Action.ALLOW;
            case "tag" -> Action.TAG;
            case "reject" -> Action.REJECT;
            default -> throw new PolicyException(y.file, y.line(parent, key), key + ": must be allow, tag or reject, "
                    + "not " + v);
        };
    }

    private static String ioMessage(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "file not found";
        }
        return org.stirshield.config.ConfigValues.why(e);
    }

    /** The distinct (agency, policy) pairs. */
    private static final class Groups {
        final List<String> agencies = new ArrayList<>();
        final List<String> policies = new ArrayList<>();
        final Set<String> agencySet = new java.util.HashSet<>();
        final Set<String> usedPolicies = new java.util.HashSet<>();
        private final Map<String, Integer> index = new HashMap<>();

        int index(String agency, String policy) {
            return index.computeIfAbsent(agency + '\u0000' + policy, k -> {
                agencies.add(agency);
                policies.add(policy);
                agencySet.add(agency);
                usedPolicies.add(policy);
                return agencies.size() - 1;
            });
        }
    }

    /** Where a policy file or a CSV comes from: the file system, or the class path (embedded default). */
    interface Source {
        String name();

        /** The file, or null for a class-path resource. */
        Path path();

        InputStream open(long maxBytes) throws IOException;

        Source resolve(String relative);

        static Source file(Path file) {
            Path p = file.toAbsolutePath().normalize();
            return new Source() {
                @Override
                public String name() {
                    return p.toString();
                }

                @Override
                public Path path() {
                    return p;
                }

                @Override
                public InputStream open(long maxBytes) throws IOException {
                    if (maxBytes != Long.MAX_VALUE && Files.size(p) > maxBytes) {
                        throw new IOException("larger than " + maxBytes + " bytes");
                    }
                    return Files.newInputStream(p);
                }

                @Override
                public Source resolve(String relative) {
                    Path parent = p.toAbsolutePath().getParent();
                    return file(parent.resolve(relative).normalize());
                }
            };
        }

        static Source resource(String name) {
            return new Source() {
                @Override
                public String name() {
                    return "classpath:" + name;
                }

                @Override
                public Path path() {
                    return null;
                }

                @Override
                public InputStream open(long maxBytes) throws IOException {
                    InputStream in = PolicyLoader.class.getClassLoader().getResourceAsStream(name);
                    if (in == null) {
                        throw new NoSuchFileException(name);
                    }
                    return in;
                }

                @Override
                public Source resolve(String relative) {
                    int slash = name.lastIndexOf('/');
                    return resource((slash < 0 ? "" : name.substring(0, slash + 1)) + relative);
                }
            };
        }
    }
}
