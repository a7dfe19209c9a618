/* settings_doc: renders the plugin's settings table (plugin/settings.c) as the example
 * configuration file, the mamgate.conf(5) man page or the README's configuration table, so that
 * none of them can disagree with the options the plugin accepts. A build-time tool.
 *
 *   settings_doc conf [KEY=VALUE ...]   every option commented out at its default; the KEY=VALUE
 *                                        pairs are written as active lines instead
 *   settings_doc man CONFIG_PATH        mamgate.conf(5) in troff, naming the installed file
 *   settings_doc markdown               the README's table */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "plugin/settings.h"

#define EXIT_USAGE 2

/* The value given for key among the KEY=VALUE arguments, or NULL. */
static const char *override_of(const char *key, int argc, char **argv) {
  size_t len = strlen(key);
  for (int i = 0; i < argc; i++)
    if (strncmp(argv[i], key, len) == 0 && argv[i][len] == '=') return argv[i] + len + 1;
  return NULL;
}

static bool known_key(const char *name, size_t len) {
  for (size_t i = 0; i < mg_config_count(); i++) {
    const char *key = mg_config_doc(i).key;
    if (strlen(key) == len && strncmp(key, name, len) == 0) return true;
  }
  return false;
}

/* Every argument must name a known option, so that a typo in the Makefile cannot pass. */
static int check_overrides(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    const char *eq = strchr(argv[i], '=');
    if (!eq || !known_key(argv[i], (size_t)(eq - argv[i]))) {
      fprintf(stderr, "settings_doc: '%s' is not KEY=VALUE with a known key\n", argv[i]);
      return -1;
    }
  }
  return 0;
}

static int print_conf(int argc, char **argv) {
  if (check_overrides(argc, argv) != 0) return EXIT_USAGE;
  printf("# mamgate.conf: the options of the mamgate plugin, read by mamgated -c FILE (mamgate.conf(5)).\n"
         "# Lines are 'key = value'; '#' starts a comment; \"quoted\" values keep their spaces.\n"
         "# Every option is listed at its default, commented out: uncomment a line to change it.\n"
         "# MAMGATE_<KEY> environment variables override this file, and mamgated --set KEY=VALUE\n"
         "# overrides both. Check a change with: mamgated --check-config -c FILE\n");
  for (size_t i = 0; i < mg_config_count(); i++) {
    mg_option_doc_t o = mg_config_doc(i);
    const char *set = override_of(o.key, argc, argv);
    printf("\n# %s\n", o.help);
    if (set) printf("# (default: %s)\n%s = %s\n", o.fallback[0] ? o.fallback : "empty", o.key, set);
    else printf("#%s =%s%s\n", o.key, o.fallback[0] ? " " : "", o.fallback);
  }
  return 0;
}

/* Text for a troff line: backslashes and minus signs escaped; a leading dot or quote guarded. */
static void troff_text(const char *s) {
  if (*s == '.' || *s == '\'') fputs("\\&", stdout);
  for (; *s; s++) {
    if (*s == '\\') fputs("\\e", stdout);
    else if (*s == '-') fputs("\\-", stdout);
    else putchar(*s);
  }
}

static int print_man(const char *config_path) {
  printf(".TH MAMGATE.CONF 5 \"\" \"mamgate %s\" \"File Formats\"\n"
         ".SH NAME\nmamgate.conf \\- configuration of the mamgate gateway\n"
         ".SH SYNOPSIS\n",
         PACKAGE_VERSION);
  troff_text(config_path);
  printf("\n.SH DESCRIPTION\n"
         "\\fBmamgated\\fR(8) reads this file (\\fB\\-c\\fR \\fIFILE\\fR) and hands its options to the mamgate plugin.\n"
         "Each line is \\fIkey\\fR = \\fIvalue\\fR; a \\fB#\\fR starts a comment and a \"quoted\" value keeps its spaces.\n"
         "An environment variable \\fBMAMGATE_\\fR\\fIKEY\\fR overrides the file, and \\fB\\-\\-set\\fR \\fIKEY\\fR=\\fIVALUE\\fR\n"
         "overrides both. An unknown key or a bad value stops the start with the file and line in the message;\n"
         "\\fBmamgated \\-\\-check\\-config\\fR checks a file without starting anything.\n"
         ".SH OPTIONS\n");
  for (size_t i = 0; i < mg_config_count(); i++) {
    mg_option_doc_t o = mg_config_doc(i);
    printf(".TP\n.B ");
    troff_text(o.key);
    putchar('\n');
    troff_text(o.help);
    printf(".\nDefault: ");
    troff_text(o.fallback[0] ? o.fallback : "empty");
    printf(".\n");
  }
  printf(".SH FILES\n");
  troff_text(config_path);
  printf("\n.SH SEE ALSO\n\\fBmamgated\\fR(8), \\fBdevnode\\fR(8), \\fBmamgate\\-cli\\fR(1)\n");
  return 0;
}

static int print_markdown(void) {
  printf("| key | default | meaning |\n|---|---|---|\n");
  for (size_t i = 0; i < mg_config_count(); i++) {
    mg_option_doc_t o = mg_config_doc(i);
    if (o.fallback[0]) printf("| `%s` | `%s` | %s |\n", o.key, o.fallback, o.help);
    else printf("| `%s` | (empty) | %s |\n", o.key, o.help);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "conf") == 0) return print_conf(argc - 2, argv + 2);
  if (argc == 3 && strcmp(argv[1], "man") == 0) return print_man(argv[2]);
  if (argc == 2 && strcmp(argv[1], "markdown") == 0) return print_markdown();
  fprintf(stderr, "Usage: settings_doc conf [KEY=VALUE ...] | man CONFIG_PATH | markdown\n");
  return EXIT_USAGE;
}
