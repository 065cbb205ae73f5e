package io.nsps.connector.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository's Markdown (the README, docs/, each module's README, the release's README) links
 * only to files that exist: a link is resolved as a reader's browser resolves it, from the folder
 * of the file that holds it. Links to other sites and a page's own anchors are not checked.
 */
final class DocumentationLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** {@code [text](target)} or {@code [text](target#anchor)}; the target without spaces or a scheme. */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(?:#[^)\\s]*)?\\)");

    @Test
    void everyRelativeLinkLeadsToAFileOfTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        List<Path> pages = markdownPages();
        for (Path page : pages) {
            Matcher link = LINK.matcher(Files.readString(page));
            while (link.find()) {
                String target = link.group(1);
                if (target.contains(":")) {
                    continue; // https:, mailto:
                }
                if (!Files.exists(page.getParent().resolve(target).normalize())) {
                    broken.add(ROOT.relativize(page) + ": " + target);
                }
            }
        }
        assertThat(pages).as("the pages read").contains(ROOT.resolve("README.md"), ROOT.resolve("docs/configuration.md"));
        assertThat(broken).as("links to files that do not exist").isEmpty();
    }

    private static List<Path> markdownPages() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(path -> path.toString().endsWith(".md"))
                    .filter(path -> Stream.of("target", "node_modules", ".git").noneMatch(ROOT.relativize(path)::startsWith)
                            && !ROOT.relativize(path).toString().contains("/target/"))
                    .toList();
        }
    }
}
