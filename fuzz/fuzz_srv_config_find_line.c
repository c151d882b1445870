/* fuzz/fuzz_srv_config_find_line.c - the --check line finder (server/check.c)
 * over arbitrary config text: never reads past the text, and a line it
 * returns exists in the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    int lines = 1;
    for (size_t i = 0; i < size && text[i]; i++)
        lines += text[i] == '\n';
    static const char *const keys[] = {"users", "server signing", "io threads", "path", NULL};
    static const char *const sections[] = {"global", "data", "IPC$"};
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++)
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            int l = srv_config_find_line(text, sections[s], keys[k]);
            if (l < 0 || l > lines)
                abort();
        }
    free(text);
    return 0;
}
