package io.nsps.connector.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class MisspeltSettingsTest {

    private static final Set<String> READ = Set.of("HOST", "PORT", "STATE_STORE", "HANDLERS", "MANAGEMENT_TOKEN", "HLR_AUTH", "HLR_IMSI_PATTERN");

    @Test
    void aVariableOneSlipFromASettingReadIsAProblemNamingTheSetting() {
        Map<String, String> env = Map.of("STATE_STOR", "postgres", "HLR_AUHT", "basic", "HLR_IMSI_PATERN", "^25501", "MANAGMENT_TOKEN", "x",
                "HANDLER", "log", "PORTS", "8080", "HLR_AUTH", "none", "MANAGEMENT_TOKEN_FILE", "/run/secrets/token");

        assertThat(MisspeltSettings.in(env, READ)).containsExactly(
                "HANDLER is not a setting; did you mean HANDLERS? (as written it is ignored, and HANDLERS's default applies)",
                "HLR_AUHT is not a setting; did you mean HLR_AUTH? (as written it is ignored, and HLR_AUTH's default applies)",
                "HLR_IMSI_PATERN is not a setting; did you mean HLR_IMSI_PATTERN? (as written it is ignored, and HLR_IMSI_PATTERN's"
                        + " default applies)",
                "MANAGMENT_TOKEN is not a setting; did you mean MANAGEMENT_TOKEN? (as written it is ignored, and MANAGEMENT_TOKEN's"
                        + " default applies)",
                "PORTS is not a setting; did you mean PORT? (as written it is ignored, and PORT's default applies)",
                "STATE_STOR is not a setting; did you mean STATE_STORE? (as written it is ignored, and STATE_STORE's default applies)");
    }

    @Test
    void theEnvironmentsOtherVariablesAreLeftAlone() {
        Map<String, String> env = Map.of("HOME", "/root", "PWD", "/", "PATH", "/bin", "HOSTNAME", "pod-1", "JAVA_OPTS", "-Xmx1g",
                "KUBERNETES_PORT", "tcp://10.0.0.1:443", "HANDLERS_DIR", "/opt/handlers", "NSPS_CONNECTOR_HOME", "/opt", "lower_case", "x",
                "HLR_API_URL", "http://hlr");

        assertThat(MisspeltSettings.in(env, READ)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"HOST, HOSTS, true", "HOST, HST, true", "HOST, HOSX, true", "HOST, HSOT, true", "HOST, HOME, false", "HOST, HOST, false",
            "PORT, PWD, false", "AB, BA, true", "ABC, CBA, false", "STATE_STORE, STATE_STOER, true", "STATE_STORE, STATE_STOREXY, false"})
    void oneSlipIsOneLetterInsertedLeftOutOrChangedOrTwoNeighboursSwapped(String setting, String variable, boolean oneSlip) {
        assertThat(MisspeltSettings.oneSlipApart(variable, setting)).isEqualTo(oneSlip);
    }
}
