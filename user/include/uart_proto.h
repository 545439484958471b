/* SPDX-License-Identifier: MIT */
/*
 * The UART server's protocol (user/programs/uart_server.c), one call per
 * request on its endpoint. words[0] is the operation; the reply's words[0] is
 * the byte count (or a negative errno).
 *   UART_OP_WRITE  buffer = the bytes to print            -> words[0] bytes printed
 *   UART_OP_READ   words[1] = most bytes wanted (<= 4096) -> buffer, words[0] bytes
 *                  (waits until at least one byte has arrived)
 *   UART_OP_STAT   -> words[0] readers waiting, words[1] bytes received so far
 */
#ifndef USER_UART_PROTO_H
#define USER_UART_PROTO_H

#define UART_OP_WRITE 1
#define UART_OP_READ  2
#define UART_OP_STAT  3

#endif
