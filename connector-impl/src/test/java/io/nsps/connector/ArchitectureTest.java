package io.nsps.connector;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package map of docs/architecture.md, enforced: which package may use which, no cycles, and
 * no JAX-RS below the web layer. A change that breaks it either fixes the code or changes the map
 * (and its document) in the same commit.
 */
final class ArchitectureTest {

    private static final JavaClasses CONNECTOR = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.nsps.connector");

    @Test
    void everyPackageUsesOnlyThoseBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("io.nsps.connector..")
                .layer("launcher").definedBy("io.nsps.connector.launcher..")
                .layer("server").definedBy("io.nsps.connector.server..")
                .layer("auth").definedBy("io.nsps.connector.auth..")
                .layer("web").definedBy("io.nsps.connector.web..")
                .layer("parsing").definedBy("io.nsps.connector.parsing..")
                .layer("processing").definedBy("io.nsps.connector.processing..")
                .layer("dispatch").definedBy("io.nsps.connector.dispatch..")
                .layer("credentials").definedBy("io.nsps.connector.credentials..")
                .layer("state").definedBy("io.nsps.connector.state..")
                .layer("outcome").definedBy("io.nsps.connector.outcome..")
                .layer("config").definedBy("io.nsps.connector.config..")
                .layer("logging").definedBy("io.nsps.connector.logging..")
                .layer("metrics").definedBy("io.nsps.connector.metrics..")
                .layer("generated").definedBy("io.nsps.connector.model..", "io.nsps.connector.api..")
                .layer("spi").definedBy("io.nsps.connector.spi..")

                .whereLayer("launcher").mayNotBeAccessedByAnyLayer()
                .whereLayer("server").mayOnlyBeAccessedByLayers("launcher")
                .whereLayer("auth").mayOnlyBeAccessedByLayers("server")
                .whereLayer("web").mayOnlyBeAccessedByLayers("server", "auth")
                .whereLayer("parsing").mayOnlyBeAccessedByLayers("web", "server")
                .whereLayer("processing").mayOnlyBeAccessedByLayers("web", "server", "launcher")
                .whereLayer("dispatch").mayOnlyBeAccessedByLayers("processing", "launcher")
                .whereLayer("credentials").mayOnlyBeAccessedByLayers("dispatch")
                .whereLayer("state").mayOnlyBeAccessedByLayers("processing", "web", "server", "launcher")
                .whereLayer("outcome").mayOnlyBeAccessedByLayers("state", "processing", "parsing", "web", "server")
                .whereLayer("config").mayOnlyBeAccessedByLayers("launcher", "server", "web", "auth", "dispatch", "credentials")
                .whereLayer("metrics").mayOnlyBeAccessedByLayers("launcher", "server", "web", "dispatch", "processing", "state")
                .check(CONNECTOR);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.nsps.connector.(*)..").should().beFreeOfCycles().check(CONNECTOR);
    }

    @Test
    void belowTheWebLayerNothingKnowsHttp() {
        noClasses().that().resideInAnyPackage("io.nsps.connector.processing..", "io.nsps.connector.state..",
                        "io.nsps.connector.outcome..", "io.nsps.connector.parsing..", "io.nsps.connector.dispatch..")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.glassfish..")
                .check(CONNECTOR);
    }

    @Test
    void theResourceLayerNeverSeesTheWorkerPool() {
        noClasses().that().resideInAPackage("io.nsps.connector.web..")
                .should().dependOnClassesThat().resideInAPackage("io.nsps.connector.server..")
                .check(CONNECTOR);
    }
}
