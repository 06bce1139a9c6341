#ifndef WHISTLE_CLIBPQ_SHIM_H
#define WHISTLE_CLIBPQ_SHIM_H
// libpq, as Whistle's WhistlePostgres module sees it.
#include <libpq-fe.h>
#endif
