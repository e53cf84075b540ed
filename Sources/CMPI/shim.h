// Open MPI's MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM and MPI_IN_PLACE are macros over C globals
// (or casts of them), which Swift cannot import: these functions hand them over.
#include <mpi.h>

static inline MPI_Comm nnc_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype nnc_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype nnc_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype nnc_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Op nnc_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op nnc_mpi_min(void) { return MPI_MIN; }
static inline MPI_Op nnc_mpi_max(void) { return MPI_MAX; }
static inline void *nnc_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int nnc_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
