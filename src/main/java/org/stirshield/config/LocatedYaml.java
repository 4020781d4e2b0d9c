package org.stirshield.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A YAML document as a Jackson tree that remembers where it came from: every mapping is a {@link Mapping}
 * that knows its file, its dotted key path ({@code certificates.cache}) and the line of each of its keys,
 * and every sequence a {@link Sequence} that knows the line of each item, so that errors can say
 * {@code file:line: reason}. Duplicate keys are an error; scalars are kept as text (an unquoted
 * {@code 12308} stays digits, the reader decides the type).
 *
 * <p>Used for both stirshield.yaml (with a {@link ConfigSchema}: see {@link ConfigValues#readYaml}) and
 * policy files (without one).
 */
public final class LocatedYaml {
    private static final YAMLFactory FACTORY = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 32;

    /** The file name errors show (an absolute path for files on disk). */
    public final String file;
    /** The document; a {@link Mapping} unless the file's top level is something else. */
    public final JsonNode root;
    /** The directory relative paths in the document resolve against, or null (then the working directory). */
    final Path baseDir;
    /** The keys this document may have, or null when any key is allowed (policy files check their own). */
    final ConfigSchema schema;
    /** Every key path the code asked for (see {@link ConfigValues}): what a reader of this document knows. */
    final Set<String> read = ConcurrentHashMap.newKeySet();

    private LocatedYaml(String file, InputStream in, Path baseDir, ConfigSchema schema) {
        this.file = file;
        this.baseDir = baseDir;
        this.schema = schema;
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            root = t == null ? new Mapping(this, "", 1) : read(p, t, "", 0);
            if (p.nextToken() != null) {
                throw new ConfigException(file, line(p), "more than one YAML document");
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                    "invalid YAML: " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(file, 0, "cannot read: " + e.getMessage());
        }
    }

    /** Parses a document with no schema (any keys); errors are {@link ConfigException}s naming {@code file}. */
    public static LocatedYaml parse(String file, InputStream in) {
        return new LocatedYaml(file, in, null, null);
    }

    /** Parses a document whose relative paths resolve against {@code baseDir} and whose reads the schema checks. */
    static LocatedYaml parse(String file, InputStream in, Path baseDir, ConfigSchema schema) {
        return new LocatedYaml(file, in, baseDir, schema);
    }

    /** A YAML parser message without its source excerpt and caret lines: "while parsing ...; expected ...". */
    static String oneLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        StringBuilder sb = new StringBuilder();
        for (String l : message.split("\n")) {
            if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
                sb.append(sb.length() == 0 ? "" : "; ").append(l.strip());
            }
        }
        return sb.length() == 0 ? message.strip() : sb.toString();
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }

    private JsonNode read(JsonParser p, JsonToken t, String path, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new ConfigException(file, line(p), "nested too deeply");
        }
        int at = line(p);
        switch (t) {
            case START_OBJECT -> {
                Mapping o = new Mapping(this, path, at);
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    int keyLine = line(p);
                    if (o.has(name)) {
                        throw new ConfigException(file, keyLine, "duplicate key '" + name + "' (first at line "
                                + o.keyLines.get(name) + ")");
                    }
                    o.keyLines.put(name, keyLine);
                    o.set(name, read(p, p.nextToken(), path.isEmpty() ? name : path + "." + name, depth + 1));
                }
                return o;
            }
            case START_ARRAY -> {
                Sequence a = new Sequence(at);
                JsonToken v;
                while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                    a.itemLines.add(line(p));
                    a.add(read(p, v, path + "[" + a.size() + "]", depth + 1));
                }
                return a;
            }
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                // keep the text: "+52 55 3686 5100" is a string, but an unquoted 12308 must stay digits
                return NODES.textNode(p.getText());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new ConfigException(file, at, "unexpected YAML token " + t);
        }
    }

    /** The line of key {@code name} in mapping {@code parent}, else of the mapping, else 0. */
    public int line(JsonNode parent, String name) {
        if (parent instanceof Mapping m) {
            Integer l = m.keyLines.get(name);
            return l != null ? l : m.line;
        }
        return 0;
    }

    /** The line of item {@code i} in sequence {@code parent}. */
    public int line(JsonNode parent, int i) {
        if (parent instanceof Sequence s) {
            return i < s.itemLines.size() ? s.itemLines.get(i) : s.line;
        }
        return 0;
    }

    /** The line where a mapping or sequence starts, or 0. */
    public int line(JsonNode node) {
        if (node instanceof Mapping m) {
            return m.line;
        }
        return node instanceof Sequence s ? s.line : 0;
    }

    /** A mapping that knows its document, its key path and the line of each key. */
    public static final class Mapping extends ObjectNode {
        private static final long serialVersionUID = 1L;
        final transient LocatedYaml doc;
        /** Dotted key path from the document's top ("" for the top level). */
        final String path;
        final int line;
        final Map<String, Integer> keyLines = new HashMap<>();

        Mapping(LocatedYaml doc, String path, int line) {
            super(NODES);
            this.doc = doc;
            this.path = path;
            this.line = line;
        }

        /** The dotted path of child {@code key}. */
        String pathOf(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        /** The document's file name. */
        public String file() {
            return doc.file;
        }

        /** The dotted key path of this mapping ({@code ""} at the top). */
        public String path() {
            return path;
        }
    }

    /** A sequence that knows the line of each item. */
    public static final class Sequence extends ArrayNode {
        private static final long serialVersionUID = 1L;
        final int line;
        final List<Integer> itemLines = new ArrayList<>();

        Sequence(int line) {
            super(NODES);
            this.line = line;
        }
    }
}
