/* mamcore/troika_internal.h: constants shared by the Troika implementations (not installed). */
#ifndef MAMCORE_TROIKA_INTERNAL_H
#define MAMCORE_TROIKA_INTERNAL_H

#include "mamcore/troika.h"

#define MAM_TROIKA_SLICES 27
#define MAM_TROIKA_ROWS 3
#define MAM_TROIKA_COLUMNS 9

/* Round constants as digit characters '0'..'2', index 9*slice + column (row 0 only). */
extern const char mam_troika_round_constants[MAM_TROIKA_ROUNDS]
                                            [MAM_TROIKA_COLUMNS * MAM_TROIKA_SLICES + 1];

#endif
