# Copyright 2026 The graceful Authors.
#
# bench/README.md's plot: the distribution of SIGTERM-to-joined latency per
# mechanism and worker count, from the box statistics bench/report.py
# writes. Boxes span the 25th to 75th percentile, the bar inside is the
# median, whiskers reach the 1st and 99th percentiles; log scale.
#
#   gnuplot -e "results='bench/results'" bench/plot.gp
#
# writes bench/shutdown_latency.png.

if (!exists("results")) results = "bench/results"
data = results . "/latency_boxes.tsv"

set terminal pngcairo size 1600,1150 font "DejaVu Sans,10"
set output "bench/shutdown_latency.png"

mechanisms = "graceful graceful_inherit graceful_idle_workers sigwait_cv sigwait_futex signalfd_epoll self_pipe jthread_stop_token naive_sleep_poll"
colors = "#006d2c #74c476 #c7e9c0 #2b83ba #5e3c99 #17becf #fdae61 #d7191c #878787"
nmech = words(mechanisms)
groupw = nmech + 2

set logscale y
set format y "10^{%L}"
set ylabel "microseconds (log)"
set grid ytics mytics
set style fill solid 0.6 border -1
set boxwidth 0.7
set xtics ("1 worker" (nmech-1)/2.0, "8" groupw+(nmech-1)/2.0, "64" 2*groupw+(nmech-1)/2.0, "256" 3*groupw+(nmech-1)/2.0)
set xrange [-1:4*groupw-1]
set key outside bottom center horizontal maxrows 2 samplen 2

titles = "'SIGTERM to all joined: workers idle in SleepFor / cv / futex wait' 'SIGTERM to all joined: workers idle on a task queue' 'SIGTERM to all joined: compute-bound workers (~50 us steps)' 'SIGTERM to signal seen and stop requested: compute-bound workers'"

set multiplot layout 2,2 title "graceful vs the alternatives, 2 CPUs (boxes p25-p75, bar p50, whiskers p1-p99)" font ",13"
do for [panel=0:3] {
  set title word(titles, panel+1) noenhanced
  plot for [m=0:nmech-1] data index panel using ($3==m ? $4 : 1/0):6:5:9:8 \
         with candlesticks lc rgb word(colors, m+1) title word(mechanisms, m+1) noenhanced whiskerbars 0.5, \
       for [m=0:nmech-1] data index panel using ($3==m ? $4 : 1/0):7:7:7:7 \
         with candlesticks lc rgb "black" lw 2 notitle
}
unset multiplot
