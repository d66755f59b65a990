package dev.shufflespark.job.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The {@code spark-submit} commands of a documentation page's shell blocks (docs/spark-submit.md), so that a test
 * runs exactly what the page prints: continuation lines joined, words split on blanks (single quotes kept together
 * and removed), leading {@code NAME=value} words taken as the environment. Placeholders are replaced word by word.
 */
public final class DocCommands {

    /** One command: its environment and its words after {@code spark-submit}. */
    public record Command(Map<String, String> env, List<String> args, String text) {

        /** The value after {@code option}, or null. */
        public String option(String option) {
            int i = args.indexOf(option);
            return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
        }

        /** This command with every occurrence of each key replaced by its value, in env values and words. */
        public Command with(Map<String, String> replacements) {
            Map<String, String> e = new LinkedHashMap<>();
            env.forEach((k, v) -> e.put(k, replace(v, replacements)));
            return new Command(e, args.stream().map(a -> replace(a, replacements)).toList(), text);
        }

        /** This command with {@code --conf key=value} added before its other options. */
        public Command withConf(String key, String value) {
            List<String> a = new ArrayList<>(List.of("--conf", key + "=" + value));
            a.addAll(args);
            return new Command(env, List.copyOf(a), text);
        }

        private static String replace(String s, Map<String, String> replacements) {
            for (Map.Entry<String, String> r : replacements.entrySet()) {
                s = s.replace(r.getKey(), r.getValue());
            }
            return s;
        }
    }

    private DocCommands() {
    }

    /** Every {@code spark-submit} command of the Markdown page at {@code page}. */
    public static List<Command> sparkSubmit(Path page) throws IOException {
        List<Command> commands = new ArrayList<>();
        boolean inShell = false;
        StringBuilder current = null;
        for (String line : Files.readAllLines(page)) {
            if (line.startsWith("```")) {
                inShell = !inShell && line.equals("```sh");
                continue;
            }
            if (!inShell) {
                continue;
            }
            String l = line.strip();
            if (current == null && (l.isEmpty() || l.startsWith("#"))) {
                continue;
            }
            if (current == null) {
                current = new StringBuilder();
            }
            boolean continues = l.endsWith("\\");
            current.append(continues ? l.substring(0, l.length() - 1) : l).append(' ');
            if (!continues) {
                parse(current.toString().strip()).ifPresent(commands::add);
                current = null;
            }
        }
        return commands;
    }

    /** The one command that {@code which} picks; fails unless exactly one does. */
    public static Command find(Path page, Predicate<Command> which, String what) throws IOException {
        List<Command> found = sparkSubmit(page).stream().filter(which).toList();
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " spark-submit commands in " + page + " for " + what + ": "
                    + found);
        }
        return found.get(0);
    }

    private static java.util.Optional<Command> parse(String text) {
        List<String> words = words(text);
        Map<String, String> env = new LinkedHashMap<>();
        int i = 0;
        while (i < words.size() && words.get(i).matches("[A-Z_][A-Z0-9_]*=.*")) {
            String w = words.get(i++);
            env.put(w.substring(0, w.indexOf('=')), w.substring(w.indexOf('=') + 1));
        }
        if (i >= words.size() || !words.get(i).equals("spark-submit")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Command(env, List.copyOf(words.subList(i + 1, words.size())), text));
    }

    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : text.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    words.add(w.toString());
                    w.setLength(0);
                    any = false;
                }
            } else {
                w.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(w.toString());
        }
        return words;
    }
}
