# plot.gp: throughput against client count, one line per system, from the data
# file bench/compare writes. Call: gnuplot -e "datafile='...'; outfile='...'" plot.gp
# The data file's first line names the columns: clients, then one per system.
set terminal pngcairo size 1000,620 font "sans,10"
set output outfile
set title "Durable attempts/s on one hot resource (loopback, this machine)"
set xlabel "clients (connections)"
set ylabel "attempts/s"
set logscale x 2
set logscale y 10
set grid
set key outside right top
set datafile missing "-"
stats datafile skip 1 nooutput
columns = STATS_columns
set style data linespoints
plot for [i=2:columns] datafile using 1:i title columnheader(i) lw 2 pt 7
