/* mamcore/api.h: the attributes every mamgate header shares.
 *
 * MAM_API marks a declaration that libmamcore.so exports: the library is built with hidden
 * visibility, so whatever lacks the mark stays internal. MAM_WARN_UNUSED is the one
 * warn-unused-result mark of the project, for every function that returns an error code.
 * MAM_BEGIN_DECLS / MAM_END_DECLS give installed headers C linkage in C++ programs. */
#ifndef MAMCORE_API_H
#define MAMCORE_API_H

#define MAM_API __attribute__((visibility("default")))
#define MAM_WARN_UNUSED __attribute__((warn_unused_result))

#ifdef __cplusplus
#define MAM_BEGIN_DECLS extern "C" {
#define MAM_END_DECLS }
#else
#define MAM_BEGIN_DECLS
#define MAM_END_DECLS
#endif

#endif
